from django.db import migrations, models
from django.utils import timezone


def start_the_clock(apps, schema_editor):
    # Members already off the team before this field existed: their retention period starts now (never earlier).
    StaffMember = apps.get_model("staffing", "StaffMember")
    StaffMember.objects.filter(active=False, left_at__isnull=True).update(left_at=timezone.now())


class Migration(migrations.Migration):
    dependencies = [
        ("staffing", "0007_hours_triggers_both_databases"),
    ]

    operations = [
        migrations.AddField(
            model_name="staffmember",
            name="left_at",
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name="在籍を外した日時"),
        ),
        migrations.RunPython(start_the_clock, migrations.RunPython.noop),
    ]

from django.db import migrations


def create_row(apps, schema_editor):
    # The one stamp row exists from the start, so concurrent writers only ever UPDATE it.
    apps.get_model("faq", "SearchIndexState").objects.get_or_create(pk=1, defaults={"stamp": 0})


class Migration(migrations.Migration):
    dependencies = [("faq", "0001_initial")]
    operations = [migrations.RunPython(create_row, migrations.RunPython.noop)]

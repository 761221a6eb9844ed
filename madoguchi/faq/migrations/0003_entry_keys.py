from django.db import migrations


def give_every_entry_a_key(apps, schema_editor):
    """Entries created before keys were automatic get `faq-<id>` (revisions waiting for approval keep none:
    they take over their original's key when approved)."""
    FaqEntry = apps.get_model("faq", "FaqEntry")
    for entry in FaqEntry.objects.filter(slug__isnull=True, replaces__isnull=True).only("id"):
        FaqEntry.objects.filter(pk=entry.pk).update(slug=f"faq-{entry.pk}")


class Migration(migrations.Migration):
    dependencies = [("faq", "0002_search_index_state_row")]

    operations = [migrations.RunPython(give_every_entry_a_key, migrations.RunPython.noop)]

"""Cards get a keyed (address, birth date) hash so the call screen finds a family member without decrypting
every card of the arrival window; existing cards are hashed here (decrypted in memory, batch by batch)."""

from django.db import migrations, models

from madoguchi.lib.crypto import lookup_hash
from madoguchi.lib.text import normalize_address


def hash_existing_cards(apps, schema_editor):
    Card = apps.get_model("cards", "Card")  # historical model: the migration's own state
    batch = []
    for card in Card.objects.only("pk", "address", "birth_date").iterator(chunk_size=2000):
        if not card.address:
            continue
        card.address_birth_hash = lookup_hash(normalize_address(card.address), card.birth_date)
        batch.append(card)
        if len(batch) >= 2000:
            Card.objects.bulk_update(batch, ["address_birth_hash"])
            batch = []
    if batch:
        Card.objects.bulk_update(batch, ["address_birth_hash"])


class Migration(migrations.Migration):
    dependencies = [
        ("cards", "0005_profiles_stocktake_corrections"),
    ]

    operations = [
        migrations.AddField(
            model_name="card",
            name="address_birth_hash",
            field=models.CharField(db_index=True, default="", editable=False, max_length=64),
        ),
        migrations.RunPython(hash_existing_cards, migrations.RunPython.noop),
    ]

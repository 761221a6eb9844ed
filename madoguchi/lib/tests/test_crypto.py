import datetime

from django.db import connection, models
from django.test import TransactionTestCase, override_settings
from django.test.utils import isolate_apps

from madoguchi.lib.crypto import EncryptedDateField, EncryptedTextField, decrypt_str, encrypt_str, lookup_hash

KEY_A = "2PfPweBlOPiY3I4i0lCKQWxbTi-tmOdw4eN8cxOBFC4="
KEY_B = "uZNR9MbG4IaxvhffeajBFxCmxUZZFKoZMhyV-T6VsRc="


class EncryptedFieldTests(TransactionTestCase):
    @isolate_apps("madoguchi.lib")
    def test_the_raw_database_row_holds_no_plaintext(self):
        class Person(models.Model):
            name = EncryptedTextField()
            birth_date = EncryptedDateField()
            name_hash = models.CharField(max_length=64)

            class Meta:
                app_label = "lib"
                db_table = "lib_test_person"

        with connection.schema_editor() as editor:
            editor.create_model(Person)
        try:
            Person.objects.create(
                name="久留米 花子",
                birth_date=datetime.date(1980, 5, 17),
                name_hash=lookup_hash("久留米 花子"),
            )
            with connection.cursor() as cursor:
                cursor.execute("SELECT name, birth_date FROM lib_test_person")
                raw_name, raw_birth = cursor.fetchone()
            assert "久留米" not in raw_name and "花子" not in raw_name
            assert "1980" not in raw_birth
            assert raw_name.startswith("enc1:")
            person = Person.objects.get()
            assert person.name == "久留米 花子"
            assert person.birth_date == datetime.date(1980, 5, 17)
            assert Person.objects.filter(
                name_hash=lookup_hash("久留米　花子")
            ).exists()  # full-width space too
        finally:
            with connection.schema_editor() as editor:
                editor.delete_model(Person)


def test_old_keys_still_decrypt_after_rotation_and_new_values_use_the_first_key():
    with override_settings(MADOGUCHI_FIELD_KEYS=[KEY_B]):
        old = encrypt_str("電話 0942-30-9000")
    with override_settings(MADOGUCHI_FIELD_KEYS=[KEY_A, KEY_B]):
        assert decrypt_str(old) == "電話 0942-30-9000"
        new = encrypt_str("x")
    with override_settings(MADOGUCHI_FIELD_KEYS=[KEY_A]):
        assert decrypt_str(new) == "x"


def test_lookup_hashes_normalise_width_and_separators_and_depend_on_the_key():
    assert lookup_hash("ABC-123456", datetime.date(1990, 1, 2)) == lookup_hash(
        "ａｂｃ１２３４５６", datetime.date(1990, 1, 2)
    )
    assert lookup_hash("ABC123456", datetime.date(1990, 1, 2)) != lookup_hash(
        "ABC123456", datetime.date(1990, 1, 3)
    )
    with override_settings(MADOGUCHI_HASH_KEY="another"):
        other = lookup_hash("ABC123456")
    assert other != lookup_hash("ABC123456")

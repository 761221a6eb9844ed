from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import connection, transaction

from madoguchi.lib.crypto import PREFIX, EncryptedDateField, EncryptedTextField, rotate_token


class Command(BaseCommand):
    help = (
        "暗号化項目を MADOGUCHI_FIELD_KEYS の先頭の鍵で暗号化し直します。"
        "新しい鍵を先頭に追加して実行し、完了後に古い鍵を外してください。"
    )

    def handle(self, *args, **options):
        total = 0
        qn = connection.ops.quote_name
        for model in apps.get_models():
            fields = [
                f
                for f in model._meta.concrete_fields
                if isinstance(f, EncryptedTextField | EncryptedDateField)
            ]
            if not fields:
                continue
            table, pk = qn(model._meta.db_table), qn(model._meta.pk.column)
            cols = [qn(f.column) for f in fields]
            count = 0
            # Raw SQL: the stored tokens themselves, not the decrypted values the ORM would give.
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(f"SELECT {pk}, {', '.join(cols)} FROM {table}")  # noqa: S608
                for row in cursor.fetchall():
                    sets, params = [], []
                    for col, token in zip(cols, row[1:], strict=True):
                        if token and str(token).startswith(PREFIX):
                            sets.append(f"{col} = %s")
                            params.append(rotate_token(token))
                    if sets:
                        with connection.cursor() as update:
                            sql = f"UPDATE {table} SET {', '.join(sets)} WHERE {pk} = %s"  # noqa: S608
                            update.execute(sql, [*params, row[0]])
                        count += 1
            total += count
            self.stdout.write(f"{model._meta.label}: {count}")
        self.stdout.write(self.style.SUCCESS(f"再暗号化した行: {total}"))

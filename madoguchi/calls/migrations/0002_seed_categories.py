"""The spec's items as sub-categories, each counted in one column of the monthly table. Managers edit them."""

from django.db import migrations

CATEGORIES = [
    ("制度全般", "other", "1"),
    ("通知カード・個人番号通知書", "card_inquiry", "2"),
    ("カード", "card_inquiry", "3"),
    ("受取予約（新規）", "reservation", "4"),
    ("受取予約（変更）", "reservation", "5"),
    ("受取予約（取消）", "reservation", "6"),
    ("電子証明書", "card_inquiry", "7"),
    ("必要書類・持ち物", "card_inquiry", "8"),
    ("マイナポータル", "other", "9"),
    ("その他", "other", "0"),
]


def seed(apps, schema_editor):
    CallCategory = apps.get_model("calls", "CallCategory")
    for order, (name, column, key) in enumerate(CATEGORIES):
        CallCategory.objects.get_or_create(
            name=name, defaults={"column": column, "key": key, "sort_order": (order + 1) * 10}
        )


class Migration(migrations.Migration):
    dependencies = [("calls", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]

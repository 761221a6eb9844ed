"""The appointment types every city starts with (a city edits them and adds its own on 予約の種類).

Used by migration 0002 (which gives every existing booking the pickup type) and after every migrate / flush
(`builtin_types_ensure`), so the pickup type always exists.
"""

from __future__ import annotations

from typing import Any

BUILTIN_TYPES: list[dict[str, Any]] = [
    {
        "code": "pickup",
        "name": "マイナンバーカードの受け取り",
        "description": "交付通知書（はがき）が届いた方。ご家族まとめて予約できます。",
        "duration_slots": 1,
        "identification": "notice_birth",
        "max_people": 6,
        "bring_items": "交付通知書（はがき）\n本人確認書類（運転免許証、パスポートなど）\n"
        "通知カード・住民基本台帳カード（お持ちの方）\n現在お持ちのマイナンバーカード（更新の方）",
        "sort_order": 10,
    },
    {
        "code": "application",
        "name": "マイナンバーカードの申請（窓口で申請）",
        "description": "窓口で写真撮影と申請をします（申請時来庁方式）。",
        "duration_slots": 2,
        "identification": "name_birth_phone",
        "max_people": 4,
        "bring_items": "本人確認書類（運転免許証、パスポートなど）\n個人番号カード交付申請書（お持ちの方）\n"
        "通知カード・住民基本台帳カード（お持ちの方）",
        "sort_order": 20,
    },
    {
        "code": "certificate",
        "name": "電子証明書の更新・再発行",
        "description": "有効期限通知書が届いた方、または電子証明書の再発行が必要な方。",
        "duration_slots": 1,
        "identification": "expiry_notice",
        "max_people": 4,
        "bring_items": "マイナンバーカード\n有効期限通知書（届いた方）\n"
        "暗証番号（署名用：英数字6〜16桁、利用者証明用：数字4桁）",
        "sort_order": 30,
    },
    {
        "code": "pin_reset",
        "name": "暗証番号の再設定",
        "description": "暗証番号を忘れた、またはロックがかかった方。",
        "duration_slots": 1,
        "identification": "name_birth_phone",
        "max_people": 2,
        "bring_items": "マイナンバーカード\nマイナンバーカード以外の本人確認書類（運転免許証など）",
        "sort_order": 40,
    },
    {
        "code": "card_change",
        "name": "券面事項の変更（住所・氏名など）",
        "description": "転居・婚姻などでカードの記載を変更する方。",
        "duration_slots": 1,
        "identification": "name_birth_phone",
        "max_people": 4,
        "bring_items": "マイナンバーカード\n暗証番号（住民基本台帳用：数字4桁）",
        "sort_order": 50,
    },
]


def builtin_types_create(model: Any) -> None:
    """Create the built-in types that are missing (by code); never changes a city's edits."""
    for spec in BUILTIN_TYPES:
        model.objects.get_or_create(code=spec["code"], defaults=spec)

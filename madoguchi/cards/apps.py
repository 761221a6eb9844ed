from django.apps import AppConfig

from madoguchi.accounts.roles import Role

# Reading a card (personal data, audited): staff who find or hand over cards, and the city.
_READ = ["cards.view_card", "cards.view_cardevent", "cards.view_storagelocation"]
_QUEUE = ["cards.view_queue"]
_WORK = [
    "cards.transition_card",
    "cards.import_cards",
    "cards.export_cards",
    "cards.print_cards",
    "cards.view_shipment",
    "cards.add_shipment",
    "cards.receive_shipment",
    "cards.view_mynaassistrecord",
    "cards.add_mynaassistrecord",
    "cards.export_mynaassistrecord",
]
_MANAGE = ["cards.manage_storage"]


class CardsConfig(AppConfig):
    name = "madoguchi.cards"
    label = "cards"
    verbose_name = "カード（交付前準備・交付後処理）"
    role_permissions = {
        # Operators answer "where is my card?" and book pickups: read only.
        Role.OPERATOR: _READ,
        Role.BACK_OFFICE: _READ + _QUEUE + _WORK + _MANAGE,
        # Floor staff help with Myna-Assist applications; they do not touch cards.
        Role.FLOOR: ["cards.view_mynaassistrecord", "cards.add_mynaassistrecord"],
        Role.SITE_MANAGER: _READ + _QUEUE + _WORK + _MANAGE,
        Role.DIRECTOR: _READ + _QUEUE + ["cards.view_shipment", "cards.view_mynaassistrecord"],
        Role.CITY_STAFF: _READ + _QUEUE + ["cards.view_shipment", "cards.view_mynaassistrecord"],
        # Administrators manage accounts and settings; they do no back-office work (docs/security.md).
    }
    nav_items = [
        ("作業キュー", "cards:queues", "cards.view_queue"),
        ("カード検索", "cards:search", "cards.view_card"),
        ("スキャン", "cards:scan", "cards.transition_card"),
        ("棚卸", "cards:stocktake", "cards.transition_card"),
        ("到着取込", "cards:import", "cards.import_cards"),
        ("住民異動の照合", "cards:register_changes", "cards.import_cards"),
        ("支所送付", "cards:shipments", "cards.view_shipment"),
        ("交付後処理", "cards:post_issuance", "cards.export_cards"),
        ("保管期限", "cards:holding", "cards.view_queue"),
        ("受払簿・廃棄簿", "cards:ledgers", "cards.export_cards"),
        ("収納場所", "cards:locations", "cards.manage_storage"),
        ("マイナ・アシスト", "cards:assist_list", "cards.view_mynaassistrecord"),
    ]
    dashboard_widgets = [("cards/_dashboard.html", "cards.view_queue")]

    def ready(self) -> None:
        from madoguchi.accounts.reveal import reveal_register

        from .models import Card

        # Operators see the address and phone masked until 「表示」 (audited): docs/security.md.
        reveal_register(Card, fields=("address", "phone"), permission="cards.view_card")

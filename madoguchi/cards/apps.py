from django.apps import AppConfig


class CardsConfig(AppConfig):
    name = "madoguchi.cards"
    label = "cards"
    verbose_name = "カード（交付前準備・交付後処理）"
    # role_permissions = {Role.X: ["cards.codename", ...]}  (see accounts/roles.py)
    role_permissions: dict[str, list[str]] = {}
    # nav_items = [("ラベル", "cards:url_name", "cards.permission")]
    nav_items: list[tuple[str, str, str | None]] = []
    # dashboard_widgets = [("cards/_dashboard.html", "cards.permission")]
    dashboard_widgets: list[tuple[str, str | None]] = []

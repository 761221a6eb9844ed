from django.apps import AppConfig


class FloorConfig(AppConfig):
    name = "madoguchi.floor"
    label = "floor"
    verbose_name = "フロア業務"
    # role_permissions = {Role.X: ["floor.codename", ...]}  (see accounts/roles.py)
    role_permissions: dict[str, list[str]] = {}
    # nav_items = [("ラベル", "floor:url_name", "floor.permission")]
    nav_items: list[tuple[str, str, str | None]] = []
    # dashboard_widgets = [("floor/_dashboard.html", "floor.permission")]
    dashboard_widgets: list[tuple[str, str | None]] = []

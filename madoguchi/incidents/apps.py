from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "madoguchi.incidents"
    label = "incidents"
    verbose_name = "トラブル・苦情・不当要求"
    # role_permissions = {Role.X: ["incidents.codename", ...]}  (see accounts/roles.py)
    role_permissions: dict[str, list[str]] = {}
    nav_items: list[tuple[str, str, str | None]] = []
    dashboard_widgets: list[tuple[str, str | None]] = []

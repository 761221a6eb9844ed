from django.apps import AppConfig


class CallsConfig(AppConfig):
    name = "madoguchi.calls"
    label = "calls"
    verbose_name = "コールセンター"
    # role_permissions = {Role.X: ["calls.codename", ...]}  (see accounts/roles.py)
    role_permissions: dict[str, list[str]] = {}
    # nav_items = [("ラベル", "calls:url_name", "calls.permission")]
    nav_items: list[tuple[str, str, str | None]] = []
    # dashboard_widgets = [("calls/_dashboard.html", "calls.permission")]
    dashboard_widgets: list[tuple[str, str | None]] = []

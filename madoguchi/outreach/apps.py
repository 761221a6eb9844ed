from django.apps import AppConfig


class OutreachConfig(AppConfig):
    name = "madoguchi.outreach"
    label = "outreach"
    verbose_name = "出張申請"
    # role_permissions = {Role.X: ["outreach.codename", ...]}  (see accounts/roles.py)
    role_permissions: dict[str, list[str]] = {}
    # nav_items = [("ラベル", "outreach:url_name", "outreach.permission")]
    nav_items: list[tuple[str, str, str | None]] = []
    # dashboard_widgets = [("outreach/_dashboard.html", "outreach.permission")]
    dashboard_widgets: list[tuple[str, str | None]] = []

from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "madoguchi.reports"
    label = "reports"
    verbose_name = "報告書"
    # role_permissions = {Role.X: ["reports.codename", ...]}  (see accounts/roles.py)
    role_permissions: dict[str, list[str]] = {}
    # nav_items = [("ラベル", "reports:url_name", "reports.permission")]
    nav_items: list[tuple[str, str, str | None]] = []
    # dashboard_widgets = [("reports/_dashboard.html", "reports.permission")]
    dashboard_widgets: list[tuple[str, str | None]] = []

from django.apps import AppConfig


class StaffingConfig(AppConfig):
    name = "madoguchi.staffing"
    label = "staffing"
    verbose_name = "人員配置・シフト"
    # role_permissions = {Role.X: ["staffing.codename", ...]}  (see accounts/roles.py)
    role_permissions: dict[str, list[str]] = {}
    # nav_items = [("ラベル", "staffing:url_name", "staffing.permission")]
    nav_items: list[tuple[str, str, str | None]] = []
    # dashboard_widgets = [("staffing/_dashboard.html", "staffing.permission")]
    dashboard_widgets: list[tuple[str, str | None]] = []

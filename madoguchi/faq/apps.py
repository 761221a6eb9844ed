from django.apps import AppConfig


class FaqConfig(AppConfig):
    name = "madoguchi.faq"
    label = "faq"
    verbose_name = "質疑応答集"
    # role_permissions = {Role.X: ["faq.codename", ...]}  (see accounts/roles.py)
    role_permissions: dict[str, list[str]] = {}
    # nav_items = [("ラベル", "faq:url_name", "faq.permission")]
    nav_items: list[tuple[str, str, str | None]] = []
    # dashboard_widgets = [("faq/_dashboard.html", "faq.permission")]
    dashboard_widgets: list[tuple[str, str | None]] = []

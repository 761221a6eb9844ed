from django.apps import AppConfig


class ReservationsConfig(AppConfig):
    name = "madoguchi.reservations"
    label = "reservations"
    verbose_name = "受取予約"
    # role_permissions = {Role.X: ["reservations.codename", ...]}  (see accounts/roles.py)
    role_permissions: dict[str, list[str]] = {}
    # nav_items = [("ラベル", "reservations:url_name", "reservations.permission")]
    nav_items: list[tuple[str, str, str | None]] = []
    # dashboard_widgets = [("reservations/_dashboard.html", "reservations.permission")]
    dashboard_widgets: list[tuple[str, str | None]] = []

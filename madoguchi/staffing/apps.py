from django.apps import AppConfig

from madoguchi.accounts.roles import Role

# Who may see the team and its training records: managers, the city (read + approve) and admins.
_VIEW_STAFF = ["staffing.view_staffmember", "staffing.view_training"]
_MANAGE_STAFF = ["staffing.manage_staff", "staffing.record_training"]


class StaffingConfig(AppConfig):
    name = "madoguchi.staffing"
    label = "staffing"
    verbose_name = "人員配置・シフト"
    role_permissions = {
        Role.SITE_MANAGER: _VIEW_STAFF + _MANAGE_STAFF,
        Role.DIRECTOR: _VIEW_STAFF + _MANAGE_STAFF,
        Role.CITY_STAFF: _VIEW_STAFF,
        Role.ADMIN: _VIEW_STAFF + ["staffing.manage_staff"],
    }
    nav_items: list[tuple[str, str, str | None]] = []
    dashboard_widgets: list[tuple[str, str | None]] = []

from django.apps import AppConfig

from madoguchi.accounts.roles import Role

# The team and its training records: managers and the city (read + approve).
_VIEW_STAFF = ["staffing.view_staffmember", "staffing.view_training"]
_MANAGE_STAFF = ["staffing.manage_staff", "staffing.record_training"]
# Schedules are posted for the whole team: every staff role reads them; managers make them.
_VIEW_PLAN = ["staffing.view_monthplan"]
_MANAGE_PLAN = ["staffing.manage_plan", "staffing.use_erlang"]


class StaffingConfig(AppConfig):
    name = "madoguchi.staffing"
    label = "staffing"
    verbose_name = "人員配置・シフト"
    role_permissions = {
        Role.OPERATOR: _VIEW_PLAN,
        Role.BACK_OFFICE: _VIEW_PLAN,
        Role.FLOOR: _VIEW_PLAN,
        Role.SITE_MANAGER: _VIEW_PLAN + _MANAGE_PLAN + _VIEW_STAFF + _MANAGE_STAFF,
        Role.DIRECTOR: _VIEW_PLAN + _MANAGE_PLAN + _VIEW_STAFF + _MANAGE_STAFF,
        Role.CITY_STAFF: _VIEW_PLAN + ["staffing.use_erlang"] + _VIEW_STAFF,
        # Administrators manage accounts, not the team's work, leave or training (docs/security.md).
    }
    nav_items = [
        ("人員計画・シフト", "staffing:plans", "staffing.view_monthplan"),
        ("わたしのシフト", "staffing:my_shifts", "staffing.view_monthplan"),
        ("アーラン計算機", "staffing:erlang", "staffing.use_erlang"),
        ("研修記録", "staffing:training", "staffing.view_training"),
    ]
    dashboard_widgets = [("staffing/_dashboard.html", "staffing.manage_plan")]

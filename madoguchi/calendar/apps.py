from django.apps import AppConfig

from madoguchi.accounts.roles import ALL_ROLES, Role

_VIEW = ["calendar.view_office", "calendar.view_specialday", "calendar.view_busyseason"]
_MANAGE = [
    "calendar.add_specialday",
    "calendar.change_specialday",
    "calendar.delete_specialday",
    "calendar.add_busyseason",
    "calendar.change_busyseason",
    "calendar.delete_busyseason",
]


class CalendarConfig(AppConfig):
    name = "madoguchi.calendar"
    label = "calendar"
    verbose_name = "開庁日・開庁時間"
    role_permissions = {
        **{role: _VIEW for role in ALL_ROLES},
        Role.SITE_MANAGER: _VIEW + _MANAGE,
        Role.DIRECTOR: _VIEW + _MANAGE,
        Role.ADMIN: _VIEW + _MANAGE,
    }
    nav_items = [
        ("開庁カレンダー", "calendar:month", "calendar.view_office"),
        ("特別開庁・休業日", "calendar:special_days", "calendar.add_specialday"),
    ]

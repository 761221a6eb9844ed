from django.apps import AppConfig

from madoguchi.accounts.roles import Role

_VIEW = ["floor.view_guidancetap", "floor.view_mynaportalassist"]
_WORK = ["floor.add_guidancetap", "floor.add_mynaportalassist", "floor.view_assist_contact"]


class FloorConfig(AppConfig):
    name = "madoguchi.floor"
    label = "floor"
    verbose_name = "フロア業務"
    role_permissions = {
        Role.FLOOR: _VIEW + _WORK,
        Role.SITE_MANAGER: _VIEW + _WORK,
        Role.DIRECTOR: _VIEW + _WORK,
        # The city reads the counts; residents' contact details stay with the people who call back.
        Role.CITY_STAFF: _VIEW,
    }
    nav_items = [
        ("フロア案内", "floor:board", "floor.view_guidancetap"),
        ("マイナポータル支援", "floor:mynaportal", "floor.view_mynaportalassist"),
    ]
    dashboard_widgets = [("floor/_dashboard.html", "floor.view_guidancetap")]

from django.apps import AppConfig

from madoguchi.accounts.roles import STAFF_ROLES, Role

_VIEW = ["incidents.view_incident", "incidents.view_incidentnote"]
# Whoever meets a trouble logs it and adds what they did; managers report to the city and police and close.
_LOG = ["incidents.add_incident", "incidents.add_incidentnote"]
_MANAGE = ["incidents.change_incident", "incidents.close_incident"]


class IncidentsConfig(AppConfig):
    name = "madoguchi.incidents"
    label = "incidents"
    verbose_name = "トラブル・苦情・不当要求"
    role_permissions = {
        **{role: _VIEW + _LOG for role in STAFF_ROLES},
        Role.SITE_MANAGER: _VIEW + _LOG + _MANAGE,
        Role.DIRECTOR: _VIEW + _LOG + _MANAGE,
        # The city is told of every incident and reads the log; it does not edit the contractor's record.
        Role.CITY_STAFF: _VIEW,
    }
    nav_items = [("トラブル・苦情", "incidents:list", "incidents.view_incident")]
    dashboard_widgets = [("incidents/_dashboard.html", "incidents.change_incident")]

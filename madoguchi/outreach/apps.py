from django.apps import AppConfig

from madoguchi.accounts.roles import STAFF_ROLES, Role

_VIEW = [
    "outreach.view_outreachevent",
    "outreach.view_phase",
    "outreach.view_staffassignment",
    "outreach.view_checklistitem",
    "outreach.view_windowcount",
    "outreach.view_inquiry",
]
# Whoever works the venue ticks the checklist and counts applications at the windows.
_ON_THE_DAY = ["outreach.tick_checklist", "outreach.count_applications"]
_PLAN = ["outreach.add_outreachevent", "outreach.change_outreachevent", "outreach.assign_staff"]


class OutreachConfig(AppConfig):
    name = "madoguchi.outreach"
    label = "outreach"
    verbose_name = "出張申請"
    role_permissions = {
        **{role: _VIEW + _ON_THE_DAY for role in STAFF_ROLES},
        Role.SITE_MANAGER: _VIEW + _ON_THE_DAY + _PLAN,
        Role.DIRECTOR: _VIEW + _ON_THE_DAY + _PLAN,
        # The city hosts the events: it reads plans, staffing and results (approval happens outside the system).
        Role.CITY_STAFF: _VIEW,
    }
    nav_items = [("出張申請", "outreach:list", "outreach.view_outreachevent")]
    dashboard_widgets = [("outreach/_dashboard.html", "outreach.view_outreachevent")]

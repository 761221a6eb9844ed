from django.apps import AppConfig

from madoguchi.accounts.roles import Role

_READ = ["reports.view_monthlyreport", "reports.view_operationsplan", "reports.view_contactentry"]
_PRODUCE = [
    *_READ,
    "reports.produce_reports",
    "reports.add_operationsplan",
    "reports.change_operationsplan",
    "reports.add_contactentry",
    "reports.change_contactentry",
    "reports.delete_contactentry",
    "reports.view_monthclose",
    "reports.view_contractsettings",
    "reports.change_monthclose",
    "reports.view_manualrevision",
    "reports.edit_manual",
    "reports.view_manualscreenshot",
]


class ReportsConfig(AppConfig):
    name = "madoguchi.reports"
    label = "reports"
    verbose_name = "報告書"
    # Director and site manager produce; only the director submits and may include personal data in a
    # handover; city staff read, confirm receipt and approve. Everyone else: no access.
    role_permissions = {
        Role.SITE_MANAGER: _PRODUCE,
        Role.DIRECTOR: [
            *_PRODUCE,
            "reports.submit_monthlyreport",
            "reports.handover_personal_data",
            "reports.change_contractsettings",
        ],
        Role.CITY_STAFF: [
            *_READ,
            "reports.receive_monthlyreport",
            "reports.approve_operationsplan",
            "reports.view_manualrevision",
            "reports.view_manualscreenshot",
            "reports.approve_manual",
        ],
    }
    nav_items = [
        ("月報", "reports:monthly", "reports.view_monthlyreport"),
        ("業務計画書", "reports:plans", "reports.view_operationsplan"),
        ("業務手順書", "reports:manual", "reports.view_manualrevision"),
        ("引継ぎ資料", "reports:handover", "reports.produce_reports"),
        ("契約情報", "reports:contract", "reports.view_contractsettings"),
    ]
    dashboard_widgets = [("reports/_dashboard.html", "reports.view_monthlyreport")]

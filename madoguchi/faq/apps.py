from django.apps import AppConfig

from madoguchi.accounts.roles import ALL_ROLES, Role

_READ = ["faq.view_faqentry", "faq.view_synonym"]
_SEE_ALL = ["faq.view_all_states"]
_WRITE = ["faq.write_faq", "faq.import_faq", "faq.export_faq"]
_SYNONYMS = ["faq.add_synonym", "faq.change_synonym", "faq.delete_synonym"]


class FaqConfig(AppConfig):
    name = "madoguchi.faq"
    label = "faq"
    verbose_name = "質疑応答集"
    # Operators read approved entries; managers write drafts; only city staff approve or retire.
    role_permissions = {
        **{role: _READ for role in ALL_ROLES},
        Role.SITE_MANAGER: _READ + _SEE_ALL + _WRITE + _SYNONYMS,
        Role.DIRECTOR: _READ + _SEE_ALL + _WRITE + _SYNONYMS,
        # City staff read and approve only (no bulk import as approved: docs/security.md).
        Role.CITY_STAFF: _READ + _SEE_ALL + ["faq.approve_faq", "faq.export_faq"],
        Role.ADMIN: _READ + _SEE_ALL + ["faq.import_faq", "faq.export_faq"] + _SYNONYMS,
    }
    nav_items = [
        ("質疑応答集", "faq:index", "faq.view_faqentry"),
        ("検索の言い換え", "faq:synonyms", "faq.change_synonym"),
    ]
    dashboard_widgets = [("faq/_dashboard.html", "faq.view_all_states")]

from django.apps import AppConfig

from madoguchi.accounts.roles import Role

_TAKE = ["calls.add_call", "calls.change_call", "calls.view_call"]
_CALLBACKS = ["calls.view_callback", "calls.add_callback", "calls.change_callback"]
_MEMOS = ["calls.view_phonememo", "calls.add_phonememo", "calls.change_phonememo"]
_CATEGORIES = ["calls.view_callcategory", "calls.add_callcategory", "calls.change_callcategory"]


class CallsConfig(AppConfig):
    name = "madoguchi.calls"
    label = "calls"
    verbose_name = "コールセンター"
    # Deny by default. Office phones are answered by everyone in the office; city staff receive
    # the memos and read call statistics; only managers and administrators edit sub-categories.
    role_permissions = {
        Role.OPERATOR: _TAKE + _CALLBACKS + _MEMOS,
        Role.BACK_OFFICE: _MEMOS,
        Role.FLOOR: _MEMOS,
        Role.SITE_MANAGER: _TAKE + _CALLBACKS + _MEMOS + _CATEGORIES,
        Role.DIRECTOR: _TAKE + _CALLBACKS + _MEMOS + _CATEGORIES,
        # City staff read and approve only (docs/security.md).
        Role.CITY_STAFF: ["calls.view_call", "calls.view_phonememo"],
        # Administrators keep the call categories (a setting); the call log is business data (docs/security.md).
        Role.ADMIN: _CATEGORIES,
    }
    nav_items = [
        ("通話受付", "calls:take", "calls.add_call"),
        ("通話記録", "calls:list", "calls.view_call"),
        ("折り返し", "calls:callbacks", "calls.view_callback"),
        ("電話メモ", "calls:memos", "calls.view_phonememo"),
        ("通話分類", "calls:categories", "calls.change_callcategory"),
    ]
    dashboard_widgets = [("calls/_dashboard.html", "calls.view_call")]

    def ready(self) -> None:
        from madoguchi.accounts.reveal import reveal_register

        from .models import Callback, PhoneMemo

        # Operators see callers' numbers masked until 「表示」 (audited): docs/security.md.
        reveal_register(Callback, fields=("phone",), permission="calls.view_callback")
        reveal_register(PhoneMemo, fields=("caller_phone",), permission="calls.view_phonememo")

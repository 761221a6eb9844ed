"""The JSON API (django-ninja). OpenAPI at /api/docs. Each app contributes `router` from its api.py.

Authentication is the staff session (with CSRF) unless an operation says otherwise; public operations
say `auth=None` and are listed in madoguchi/accounts/tests/test_url_access.py.
"""

from django.contrib.auth.decorators import login_required
from ninja import NinjaAPI
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import django_auth

from madoguchi.calendar import api as calendar_api
from madoguchi.calls import api as calls_api
from madoguchi.cards import api as cards_api
from madoguchi.faq import api as faq_api
from madoguchi.floor import api as floor_api
from madoguchi.incidents import api as incidents_api
from madoguchi.outreach import api as outreach_api
from madoguchi.reports import api as reports_api
from madoguchi.reservations import api as reservations_api
from madoguchi.staffing import api as staffing_api

api = NinjaAPI(
    title="madoguchi API",
    version="1",
    description="マイナンバーカード窓口業務の API。権限は画面と同じです。",
    auth=django_auth,
    urls_namespace="api",
    # The schema and its browser are for staff and integrators with an account, not for the public.
    docs_decorator=login_required,
)

# Every app's router, imported directly: a missing or broken api module is an error at start-up.
# (These modules import no heavy library at import time: see madoguchi/tests/test_fast_imports.py.)
for _router in (
    calendar_api.router,
    cards_api.router,
    reservations_api.router,
    calls_api.router,
    faq_api.router,
    staffing_api.router,
    outreach_api.router,
    floor_api.router,
    incidents_api.router,
    reports_api.router,
):
    api.add_router("/", _router)


_MESSAGES = {
    "missing": "必須です。",
    "int_parsing": "整数で入力してください。",
    "float_parsing": "数値で入力してください。",
    "date_from_datetime_parsing": "日付の形式が正しくありません（例: 2026-04-01）。",
    "date_parsing": "日付の形式が正しくありません（例: 2026-04-01）。",
    "datetime_parsing": "日時の形式が正しくありません（例: 2026-04-01T09:00:00+09:00）。",
    "time_parsing": "時刻の形式が正しくありません（例: 09:30）。",
    "bool_parsing": "true か false で指定してください。",
    "string_too_long": "長すぎます。",
    "greater_than_equal": "小さすぎます。",
    "less_than_equal": "大きすぎます。",
    "greater_than": "小さすぎます。",
    "less_than": "大きすぎます。",
    "finite_number": "有限の数値で入力してください（inf・nan は使えません）。",
    "string_too_short": "短すぎます。",
}


@api.exception_handler(NinjaValidationError)
def validation_error_in_japanese(request, exc):
    """422 with a Japanese message per field (where: the parameter or body field; what: the reason)."""
    errors = []
    for error in exc.errors:
        where = ".".join(
            str(part) for part in error.get("loc", ()) if part not in ("query", "body", "path", "payload")
        )
        errors.append(
            {
                "field": where,
                "message": _MESSAGES.get(error.get("type", ""), "値が正しくありません。"),
                "type": error.get("type", ""),
            }
        )
    summary = "、".join(f"{e['field']}: {e['message']}" for e in errors)
    return api.create_response(
        request, {"detail": f"入力に誤りがあります（{summary}）", "errors": errors}, status=422
    )

"""The JSON API (django-ninja). OpenAPI at /api/docs. Each app contributes `router` from its api.py.

Authentication is the staff session (with CSRF) unless an operation says otherwise; public operations
say `auth=None` and are listed in madoguchi/accounts/tests/test_url_access.py.
"""

import importlib

from django.contrib.auth.decorators import login_required
from ninja import NinjaAPI
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import django_auth

api = NinjaAPI(
    title="madoguchi API",
    version="1",
    description="マイナンバーカード窓口業務の API。権限は画面と同じです。",
    auth=django_auth,
    urls_namespace="api",
    # The schema and its browser are for staff and integrators with an account, not for the public.
    docs_decorator=login_required,
)

for _app in (
    "calendar",
    "cards",
    "reservations",
    "calls",
    "faq",
    "staffing",
    "outreach",
    "floor",
    "incidents",
    "reports",
):
    try:
        _module = importlib.import_module(f"madoguchi.{_app}.api")
    except ModuleNotFoundError as exc:
        if exc.name != f"madoguchi.{_app}.api":
            raise
        continue
    api.add_router("/", _module.router)


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
}


@api.exception_handler(NinjaValidationError)
def validation_error_in_japanese(request, exc):  # type: ignore[no-untyped-def]
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

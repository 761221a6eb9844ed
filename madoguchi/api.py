"""The JSON API (django-ninja). OpenAPI at /api/docs. Each app contributes `router` from its api.py.

Authentication is the staff session (with CSRF) unless an operation says otherwise; public operations
say `auth=None` and are listed in madoguchi/accounts/tests/test_url_access.py.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
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


class FieldErrorOut(Schema):
    field: str
    message: str
    type: str


# Every error answer of the API (the docstring is the schema's description on /api/docs, so it is Japanese).
class ErrorOut(Schema):
    """エラー応答: detail に日本語の説明。422 では errors に項目ごとの理由（field・message・type）。"""

    detail: str
    errors: list[FieldErrorOut] | None = None


# The error answers every operation documents (docs/security.md, API input bounds), in Japanese.
ERROR_RESPONSES: dict[int, str] = {
    400: "業務上のルールで受け付けられません（内容は detail）",
    401: "ログインしていないか、API トークンが正しくありません",
    403: "この操作の権限がありません",
    404: "見つかりません",
    409: "ほかの操作と競合しました（もう一度読み込んでください）",
    422: "入力に誤りがあります（項目ごとの理由は errors）",
}
DEFAULT_DETAIL: dict[int, str] = {
    400: "リクエストを受け付けられません。",
    401: "ログインしてください（API トークンを使う連携では、トークンを確かめてください）。",
    403: "この操作を行う権限がありません。",
    404: "見つかりません。",
    405: "この方法（メソッド）では使えません。",
    409: "ほかの操作と競合しました。もう一度読み込んでください。",
}


class MadoguchiAPI(NinjaAPI):
    """NinjaAPI whose OpenAPI schema documents the error answers of every operation (schema `ErrorOut`)."""

    def get_openapi_schema(self, *, path_prefix: str | None = None, path_params: Any = None) -> Any:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        for model in (FieldErrorOut, ErrorOut):
            json_schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
            json_schema.pop("$defs", None)
            components[model.__name__] = json_schema
        ref = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                responses = operation.setdefault("responses", {})
                for status, description in ERROR_RESPONSES.items():
                    if status == 401 and not operation.get("security"):
                        continue  # a public operation never asks for a login
                    documented = responses.get(status) or responses.get(str(status)) or {}
                    responses.pop(str(status), None)
                    responses[status] = {
                        "description": documented.get("description", description),
                        "content": ref,
                    }
        return schema


api = MadoguchiAPI(
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


def _japanese(status: int, message: str) -> str:
    """The app's own (Japanese) message, or ours when the library's English default would show."""
    if message and not message.isascii():
        return message
    return DEFAULT_DETAIL.get(status, "リクエストを受け付けられません。")


@api.exception_handler(HttpError)
def http_error_in_japanese(request, exc):
    """400/401/403/404/409 raised by operations (and ninja's own 401 and CSRF 403) as ErrorOut."""
    status = 401 if isinstance(exc, AuthenticationError) else exc.status_code
    return api.create_response(request, {"detail": _japanese(status, str(exc))}, status=status)


@api.exception_handler(Http404)
def not_found_in_japanese(request, exc):
    return api.create_response(request, {"detail": _japanese(404, str(exc))}, status=404)


@api.exception_handler(PermissionDenied)
def permission_denied_in_japanese(request, exc):
    return api.create_response(request, {"detail": _japanese(403, str(exc))}, status=403)

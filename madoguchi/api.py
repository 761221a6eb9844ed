"""The JSON API (django-ninja). OpenAPI at /api/docs. Each app contributes `router` from its api.py.

Authentication is the staff session (with CSRF) unless an operation says otherwise; public operations
say `auth=None` and are listed in madoguchi/accounts/tests/test_url_access.py.
"""

import importlib

from django.contrib.auth.decorators import login_required
from ninja import NinjaAPI
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

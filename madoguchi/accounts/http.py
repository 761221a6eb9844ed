"""Typed requests for views behind the login (for mypy; nothing changes at run time).

Every staff view runs behind LoginRequiredMiddleware, so `request.user` is a `User`, never `AnonymousUser`, and
django-htmx's middleware sets `request.htmx`. Annotate such views with `AuthedHttpRequest` instead of sprinkling
`# type: ignore[arg-type]` where `request.user` is passed to a service:

    @require_perm("calls.view_callback")
    def callbacks(request: AuthedHttpRequest) -> HttpResponse:
        services.callback_close(by=request.user, ...)

Public views (`@login_not_required`) keep `HttpRequest`: their user may be anonymous.
"""

from __future__ import annotations

from typing import cast

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from .models import User


class AuthedHttpRequest(HttpRequest):
    user: User
    htmx: HtmxDetails


def authed(request: HttpRequest) -> AuthedHttpRequest:
    """Narrow a request known to be logged in (e.g. in a helper that takes HttpRequest). Raises if it is not."""
    if not request.user.is_authenticated:
        raise PermissionError("この操作にはログインが必要です。")
    return cast(AuthedHttpRequest, request)

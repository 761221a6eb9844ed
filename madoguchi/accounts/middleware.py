from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequired
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect


class LoginRequiredMiddleware(DjangoLoginRequired):
    """Deny by default. The JSON API under /api/ authenticates per operation (session or token) in ninja."""

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], view_args: Any, view_kwargs: Any
    ) -> HttpResponse | None:
        if request.path.startswith("/api/"):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)

    def handle_no_permission(  # type: ignore[override]
        self, request: HttpRequest, view_func: Callable[..., Any]
    ) -> HttpResponse:
        # An htmx request after the session ended must not swap the login page into a fragment: tell htmx to
        # open the login page, and come back afterwards to the page the user was on (not the fragment's URL).
        if request.headers.get("HX-Request") == "true":
            return htmx_login_redirect(request)
        return super().handle_no_permission(request, view_func)


def htmx_login_redirect(request: HttpRequest) -> HttpResponse:
    """401 with HX-Redirect to the login page; `next` is the page shown in the browser (HX-Current-URL)."""
    from urllib.parse import urlencode, urlsplit

    from django.shortcuts import resolve_url
    from django.utils.http import url_has_allowed_host_and_scheme

    current = request.headers.get("HX-Current-URL", "")
    back = ""
    if current and url_has_allowed_host_and_scheme(
        current, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        parts = urlsplit(current)
        back = parts.path + (f"?{parts.query}" if parts.query else "")
    if not back and request.method == "GET":
        back = request.get_full_path()
    login_url = resolve_url(settings.LOGIN_URL)
    response = HttpResponse("ログインの有効期限が切れました。もう一度ログインしてください。", status=401)
    response["HX-Redirect"] = f"{login_url}?{urlencode({'next': back})}" if back else login_url
    return response


TWO_FACTOR_EXEMPT = ("/accounts/2fa/", "/accounts/logout/", "/static/")


class TwoFactorRequiredMiddleware:
    """Users in MADOGUCHI_REQUIRE_2FA_ROLES must have passed TOTP in this session."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        required = settings.MADOGUCHI_REQUIRE_2FA_ROLES
        if (
            required
            and user.is_authenticated
            and not request.path.startswith(TWO_FACTOR_EXEMPT)
            and user.has_role(*required)  # type: ignore[union-attr]
            and not user.is_verified()  # type: ignore[union-attr]
        ):
            return redirect("accounts:two_factor")
        return self.get_response(request)


class LanguageMiddleware:
    """Staff screens are always Japanese. Public pages (residents) follow the visitor's choice: the language cookie
    (set by Django's `set_language` view or `?lang=en`) or Accept-Language, among settings.LANGUAGES."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from django.utils import translation

        translation.activate(settings.LANGUAGE_CODE)
        request.LANGUAGE_CODE = settings.LANGUAGE_CODE  # type: ignore[attr-defined]
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", translation.get_language() or settings.LANGUAGE_CODE)
        translation.deactivate()
        return response

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], view_args: Any, view_kwargs: Any
    ) -> None:
        from django.utils import translation

        # The staff login page is public but is a staff screen: it stays Japanese.
        if getattr(view_func, "login_required", True) is False and not view_func.__module__.startswith(
            "madoguchi.accounts"
        ):
            lang = request.GET.get("lang")
            supported = {code for code, _ in settings.LANGUAGES}
            if lang not in supported:
                lang = translation.get_language_from_request(request)
            translation.activate(lang)
            request.LANGUAGE_CODE = lang  # type: ignore[attr-defined]

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

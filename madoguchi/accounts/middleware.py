from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequired
from django.contrib.sessions.middleware import SessionMiddleware as DjangoSessionMiddleware
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect


class LoginRequiredMiddleware(DjangoLoginRequired):
    """Deny by default. The JSON API under /api/ authenticates per operation (session or token) in ninja."""

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], view_args: Any, view_kwargs: Any
    ) -> HttpResponseBase | None:
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
            and user.has_role(*required)
            and not user.is_verified()  # type: ignore[attr-defined]  # added by django-otp's middleware
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
        request.LANGUAGE_CODE = settings.LANGUAGE_CODE
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
            request.LANGUAGE_CODE = lang


def _holds_nul(request: HttpRequest) -> bool:
    """A NUL character in the path, the query string or a JSON body (raw, or escaped as \\u0000)."""
    from urllib.parse import unquote

    if "\x00" in request.path or "\x00" in unquote(request.META.get("QUERY_STRING", "")):
        return True
    if request.content_type == "application/json" and request.method in ("POST", "PUT", "PATCH"):
        body = request.body
        return b"\x00" in body or b"\\u0000" in body
    return False


class PrivacyMiddleware:
    """Personal data stays out of caches, file names and half-done writes.

    * Every response to a signed-in staff member is `Cache-Control: no-store` (pages with personal data must not
      sit in a browser or proxy cache; simplest is all of them).
    * An uploaded file whose name holds an individual number is refused before any view reads it.
    * A save refused by the My Number guard (lib.privacy, code `individual_number`) becomes a 400 page (or 422 JSON
      under /api/) in Japanese naming the field; the transaction that tried it has rolled back.
    * A NUL character in an API query or JSON body is refused with 422 (it cannot be stored; forms refuse it
      already through Django's CharField).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from madoguchi.lib.privacy import MESSAGE, contains_individual_number

        if request.method == "POST" and request.content_type == "multipart/form-data":
            for field, uploads in request.FILES.lists():
                if any(contains_individual_number(upload.name or "") for upload in uploads):
                    return self._refused(request, f"ファイル名（{field}）: {MESSAGE}")
        if request.path.startswith("/api/") and _holds_nul(request):
            return self._nul_refused()
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            response["Cache-Control"] = "no-store"
            response["Pragma"] = "no-cache"
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        from django.core.exceptions import ValidationError

        if isinstance(exception, ValidationError) and getattr(exception, "code", None) == "individual_number":
            return self._refused(request, " ".join(exception.messages))
        return None

    def _nul_refused(self) -> HttpResponse:
        from django.http import JsonResponse

        # A NUL character cannot be stored (PostgreSQL refuses it) and is never meant: 422 like any wrong input.
        message = "制御文字（NUL）は使えません。"
        return JsonResponse(
            {
                "detail": f"入力に誤りがあります（{message}）",
                "errors": [{"field": "", "message": message, "type": "nul"}],
            },
            status=422,
        )

    def _refused(self, request: HttpRequest, message: str) -> HttpResponse:
        import logging

        from django.http import JsonResponse
        from django.template.response import TemplateResponse

        # Logged without the value: only that it happened, and where.
        logging.getLogger("madoguchi.privacy").warning("individual number refused at %s", request.path[:100])
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": message}, status=422)
        response = TemplateResponse(request, "400_individual_number.html", {"message": message}, status=400)
        response["Cache-Control"] = "no-store"
        return response.render()


POLL_HEADER = "HTTP_X_MADOGUCHI_POLL"


def is_poll(request: HttpRequest) -> bool:
    """A request an element sends by itself on a timer (htmx `hx-trigger="every …"`): it carries the header
    `X-Madoguchi-Poll: 1` (`hx-headers='{"X-Madoguchi-Poll": "1"}'`, see docs/security.md) and does not count as
    activity: it neither renews the idle timeout nor keeps a session alive."""
    return request.META.get(POLL_HEADER) == "1"


SESSION_RENEWED = "_madoguchi_renewed"
SESSION_RENEW_SECONDS = 60


class SessionMiddleware(DjangoSessionMiddleware):
    """Django's session middleware, with the idle timeout (SESSION_SAVE_EVERY_REQUEST: activity pushes the expiry
    forward) renewed by a write at most once a minute instead of on every request:

    * a session that changed is saved, as always (and notes when: `_madoguchi_renewed`);
    * an unchanged session is saved only when its last renewal is a minute old or more — so the idle timeout
      counts from the last renewal and may end up to a minute early, never late;
    * polling requests (X-Madoguchi-Poll: 1) never renew it."""

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        import time

        from django.utils.cache import patch_vary_headers

        session = getattr(request, "session", None)
        if session is None:
            return super().process_response(request, response)
        if is_poll(request) and not session.modified:
            return response
        if session.is_empty():
            return super().process_response(request, response)
        now = int(time.time())
        if not session.modified:
            if not settings.SESSION_SAVE_EVERY_REQUEST:
                return super().process_response(request, response)
            renewed = session.get(SESSION_RENEWED)
            if isinstance(renewed, int) and 0 <= now - renewed < SESSION_RENEW_SECONDS:
                if session.accessed:
                    patch_vary_headers(response, ("Cookie",))
                return response
        session[SESSION_RENEWED] = now
        return super().process_response(request, response)


SESSION_STARTED = "_madoguchi_auth_started"
PASSWORD_CHANGE_EXEMPT = ("/accounts/password/", "/accounts/logout/", "/accounts/2fa/", "/static/", "/api/")


class StaffSessionMiddleware:
    """After authentication: an absolute session lifetime (MADOGUCHI_SESSION_ABSOLUTE_HOURS from sign-in, whatever
    the activity) besides the idle timeout, and a forced change of a password an administrator set."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        import time

        from django.contrib import messages
        from django.contrib.auth import logout

        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            started = request.session.get(SESSION_STARTED)
            now = int(time.time())
            if started is None:
                request.session[SESSION_STARTED] = now
            elif now - int(started) > int(getattr(settings, "MADOGUCHI_SESSION_ABSOLUTE_HOURS", 10)) * 3600:
                logout(request)
                messages.info(
                    request,
                    "ログインから一定時間が過ぎたため、ログアウトしました。もう一度ログインしてください。",
                )
                return self._to(request, "accounts:login")
            if getattr(user, "must_change_password", False) and not request.path.startswith(
                PASSWORD_CHANGE_EXEMPT
            ):
                return self._to(request, "accounts:password_change")
        return self.get_response(request)

    def _to(self, request: HttpRequest, name: str) -> HttpResponse:
        from django.urls import reverse

        if request.headers.get("HX-Request"):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = reverse(name)
            return response
        return redirect(name)

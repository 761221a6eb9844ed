"""Deny by default: every URL requires login unless it is on the explicit public list below."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, get_resolver
from ninja.constants import NOT_SET

from madoguchi.accounts.testing import BaseTestCase
from madoguchi.api import api

# Views that anyone may open without logging in. Adding one here is a security decision: say why.
PUBLIC_VIEWS = {
    "accounts:login",  # the login page itself
    "healthz",  # load balancer health check; returns no data
    # A person's published shifts for a calendar app (which cannot log in): a secret token of ≥ 20 characters,
    # renewable by its owner; no resident data.
    "staffing:my_calendar",
    "reservations:public_start",  # resident web booking (issue 4): sign-in with notice number + birth date
    "reservations:public_manage",
    "reservations:public_book",
    "reservations:public_change",
    "reservations:public_cancel",
    "reservations:public_done",
    "reservations:public_logout",
    "reservations:public_confirm",
    "reservations:public_lang",
}
PUBLIC_VIEW_PREFIXES = ("reservations:public_",)  # everything the resident web booking exposes
# API operations (method path) that need no session; token-authenticated ones are not public.
PUBLIC_API = {
    "GET /api/calendar",  # opening hours for the city website
}


def walk(patterns, prefix="", namespace=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from walk(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), f"{namespace}{p.name}" if p.name else "", p.callback


class UrlAccessTests(BaseTestCase):
    def test_every_view_requires_login_unless_it_is_listed_as_public(self):
        offenders = []
        for route, name, callback in walk(get_resolver().url_patterns):
            if route.startswith("api/"):
                continue  # ninja operations are checked below
            if getattr(callback, "login_required", True) is False:
                if name not in PUBLIC_VIEWS and not name.startswith(PUBLIC_VIEW_PREFIXES):
                    offenders.append(f"{route} ({name})")
        self.assertEqual(offenders, [], "views open without login that are not on the public list")

    def test_every_api_operation_requires_authentication_unless_listed(self):
        offenders = []
        for prefix, router in api._routers:
            for path, path_view in router.path_operations.items():
                for operation in path_view.operations:
                    # Effective auth as ninja resolves it: the operation's own, else the router's, else the API's.
                    auth = operation.auth_param
                    if auth is NOT_SET:
                        auth = router.auth if getattr(router, "auth", NOT_SET) is not NOT_SET else api.auth
                    for method in operation.methods:
                        key = f"{method} /api/{(prefix + path).strip('/')}".replace("//", "/")
                        key = key.rstrip("/")
                        if not auth and key not in PUBLIC_API:
                            offenders.append(key)
        self.assertEqual(
            offenders, [], "API operations without authentication that are not on the public list"
        )

    def test_an_anonymous_visitor_is_sent_to_the_login_page(self):
        response = self.client.get("/calendar/")
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response["Location"].startswith("/accounts/login/"))

    def test_the_public_calendar_api_needs_no_login(self):
        response = self.client.get(
            "/api/calendar", {"office": "honcho", "from": "2026-04-01", "to": "2026-04-02"}
        )
        self.assertEqual(response.status_code, 200)


class LanguageTests(BaseTestCase):
    def test_staff_screens_stay_japanese_for_an_english_browser(self):
        self.login(self.operator)
        response = self.client.get("/calendar/", headers={"Accept-Language": "en"})
        self.assertEqual(response["Content-Language"], "ja")

    def test_the_staff_login_page_stays_japanese(self):
        response = self.client.get("/accounts/login/", headers={"Accept-Language": "en"})
        self.assertEqual(response["Content-Language"], "ja")

    def test_public_resident_pages_follow_the_visitors_language(self):
        from django.contrib.auth.decorators import login_not_required
        from django.http import HttpResponse
        from django.test import RequestFactory
        from django.utils import translation

        from madoguchi.accounts.middleware import LanguageMiddleware

        seen = []

        @login_not_required
        def resident_page(request):
            seen.append(translation.get_language())
            return HttpResponse("ok")

        resident_page.__module__ = "madoguchi.reservations.views"

        def run(request):
            middleware = LanguageMiddleware(
                lambda r: middleware.process_view(r, resident_page, (), {}) or resident_page(r)
            )
            return middleware(request)

        factory = RequestFactory()
        self.assertEqual(run(factory.get("/r/", HTTP_ACCEPT_LANGUAGE="en"))["Content-Language"], "en")
        self.assertEqual(run(factory.get("/r/?lang=ja", HTTP_ACCEPT_LANGUAGE="en"))["Content-Language"], "ja")
        self.assertEqual(run(factory.get("/r/"))["Content-Language"], "ja")
        self.assertEqual(seen, ["en", "ja", "ja"])

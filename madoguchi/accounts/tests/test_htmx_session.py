"""htmx requests of a logged-out user get HX-Redirect to the login page with `next`, never the login page itself."""

from urllib.parse import parse_qs, urlsplit

from django.test import TestCase

from madoguchi.accounts.roles import Role, sync_roles
from madoguchi.accounts.testing import PASSWORD, make_offices, make_user


class HtmxSessionExpiryTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        sync_roles()
        make_offices()
        cls.user = make_user("hana", Role.FLOOR, "Hana")

    def test_an_htmx_post_after_the_session_ended_is_told_to_open_the_login_page_and_come_back(self):
        response = self.client.post(
            "/floor/tap/",
            {"purpose": "pickup"},
            headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/floor/?office=main"},
        )
        self.assertEqual(response.status_code, 401)
        target = urlsplit(response["HX-Redirect"])
        self.assertEqual(target.path, "/accounts/login/")
        self.assertEqual(parse_qs(target.query)["next"], ["/floor/?office=main"])
        self.assertNotIn("<form", response.content.decode())

    def test_an_htmx_get_without_a_current_url_comes_back_to_its_own_address(self):
        response = self.client.get("/calendar/?month=2026-10", headers={"HX-Request": "true"})
        self.assertEqual(response.status_code, 401)
        self.assertEqual(
            parse_qs(urlsplit(response["HX-Redirect"]).query)["next"], ["/calendar/?month=2026-10"]
        )

    def test_a_current_url_on_another_site_is_never_the_way_back(self):
        response = self.client.get(
            "/calendar/", headers={"HX-Request": "true", "HX-Current-URL": "https://evil.example/phish"}
        )
        self.assertEqual(parse_qs(urlsplit(response["HX-Redirect"]).query)["next"], ["/calendar/"])

    def test_a_plain_request_still_gets_the_ordinary_redirect(self):
        response = self.client.get("/floor/")
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response["Location"].startswith("/accounts/login/?next="))

    def test_logging_in_from_the_redirect_leads_back_to_the_page(self):
        response = self.client.post(
            "/accounts/login/?next=/floor/%3Foffice%3Dmain", {"username": "hana", "password": PASSWORD}
        )
        self.assertRedirects(response, "/floor/?office=main", fetch_redirect_response=False)

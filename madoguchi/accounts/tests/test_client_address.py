"""The one trusted client address, behind a simulated proxy chain with forged headers."""

from django.conf import settings
from django.test import RequestFactory, SimpleTestCase, override_settings
from hypothesis import given
from hypothesis import strategies as st

from madoguchi.accounts.clientaddr import client_address
from madoguchi.accounts.models import AuditEvent
from madoguchi.accounts.testing import PASSWORD, BaseTestCase

PROXIES = ["10.0.0.0/24", "fd00::/8"]


def request(remote, xff=None):
    extra = {"REMOTE_ADDR": remote}
    if xff is not None:
        extra["HTTP_X_FORWARDED_FOR"] = xff
    return RequestFactory().get("/", **extra)


class ClientAddressTests(SimpleTestCase):
    def test_without_trusted_proxies_the_forwarded_header_is_ignored(self):
        self.assertEqual(client_address(request("203.0.113.7", "198.51.100.1")), "203.0.113.7")

    @override_settings(MADOGUCHI_TRUSTED_PROXIES=PROXIES)
    def test_behind_our_proxy_the_address_it_appended_is_the_client(self):
        self.assertEqual(client_address(request("10.0.0.2", "203.0.113.7")), "203.0.113.7")

    @override_settings(MADOGUCHI_TRUSTED_PROXIES=PROXIES)
    def test_a_forged_header_from_the_client_is_not_believed(self):
        # The client sent "X-Forwarded-For: 1.2.3.4"; our proxy appended the real peer.
        self.assertEqual(client_address(request("10.0.0.2", "1.2.3.4, 203.0.113.7")), "203.0.113.7")

    @override_settings(MADOGUCHI_TRUSTED_PROXIES=PROXIES)
    def test_a_forged_header_sent_straight_to_the_app_server_is_not_believed(self):
        self.assertEqual(client_address(request("198.51.100.9", "10.0.0.5, 1.2.3.4")), "198.51.100.9")

    @override_settings(MADOGUCHI_TRUSTED_PROXIES=PROXIES)
    def test_two_trusted_proxies_in_a_row_are_both_skipped(self):
        chain = "6.6.6.6, 203.0.113.7, 10.0.0.9"
        self.assertEqual(client_address(request("10.0.0.2", chain)), "203.0.113.7")

    @override_settings(MADOGUCHI_TRUSTED_PROXIES=PROXIES)
    def test_ports_brackets_and_ipv6_are_understood(self):
        self.assertEqual(client_address(request("10.0.0.2", "203.0.113.7:51234")), "203.0.113.7")
        self.assertEqual(client_address(request("fd00::1", "[2001:db8::5]:443")), "2001:db8::5")

    @override_settings(MADOGUCHI_TRUSTED_PROXIES=PROXIES)
    def test_garbage_in_the_header_falls_back_to_the_last_trusted_hop(self):
        self.assertEqual(client_address(request("10.0.0.2", "not-an-address")), "10.0.0.2")

    @override_settings(MADOGUCHI_TRUSTED_PROXIES=PROXIES)
    @given(forged=st.lists(st.ip_addresses().map(str), max_size=5), real=st.ip_addresses(v=4).map(str))
    def test_whatever_the_client_forges_the_address_our_proxy_saw_wins(self, forged, real):
        if real.startswith("10.0.0."):
            return
        chain = ", ".join([*forged, real])
        self.assertEqual(client_address(request("10.0.0.2", chain)), real)


@override_settings(MADOGUCHI_TRUSTED_PROXIES=PROXIES)
class BehindTheProxyTests(BaseTestCase):
    """Everyone reaches the app from the proxy 10.0.0.2; the proxy appends each client's real address."""

    def post_login(self, username, password, real, forged=""):
        chain = f"{forged}, {real}" if forged else real
        return self.client.post(
            "/accounts/login/",
            {"username": username, "password": password},
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR=chain,
        )

    def test_the_audit_trail_records_the_clients_address_not_the_proxys(self):
        self.post_login("alice", PASSWORD, "203.0.113.7", forged="1.1.1.1")
        self.assertEqual(AuditEvent.objects.get(action="login").ip_address, "203.0.113.7")

    def test_failures_from_one_address_do_not_lock_the_user_out_elsewhere(self):
        for i in range(settings.AXES_FAILURE_LIMIT):
            # The attacker changes the forged part each time: it does not help.
            self.post_login("alice", "wrong", "198.51.100.66", forged=f"192.0.2.{i}")
        locked = self.post_login("alice", PASSWORD, "198.51.100.66", forged="192.0.2.200")
        self.assertEqual(locked.status_code, 429)
        self.client.logout()
        response = self.post_login("alice", PASSWORD, "203.0.113.7")
        self.assertRedirects(response, "/")

"""Identity: password validators on every path, self-service and forced change, audited admin reset, 2FA
enrolment approved by another administrator, absolute session lifetime, polling that does not keep a session
alive."""

from __future__ import annotations

import io
import time
from unittest import mock

import pytest
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from madoguchi.accounts.middleware import SESSION_RENEW_SECONDS, SESSION_RENEWED, SESSION_STARTED
from madoguchi.accounts.models import AuditEvent, User
from madoguchi.accounts.roles import Role
from madoguchi.accounts.services import staff_create
from madoguchi.accounts.testing import PASSWORD, BaseTestCase

WEAK = ["aaaaaaaaaaaa", "123456789012", "password1234", "goro12345678"]


class PasswordTests(BaseTestCase):
    def test_the_service_refuses_weak_passwords_whoever_calls_it(self):
        for weak in WEAK:
            with self.subTest(weak=weak), pytest.raises(ValidationError):
                staff_create(username="newbie", password=weak, role=Role.OPERATOR, display_name="goro")
        self.assertFalse(User.objects.filter(username="newbie").exists())

    def test_the_create_staff_command_refuses_a_weak_password_in_japanese(self):
        with (
            mock.patch("getpass.getpass", return_value="aaaaaaaaaaaa"),
            pytest.raises(CommandError) as caught,
        ):
            call_command("create_staff", "newbie", role="operator")
        self.assertRegex(str(caught.value), "[ぁ-んァ-ン一-龥]")

    def test_an_administrator_cannot_set_a_weak_initial_password(self):
        self.login(self.admin)
        data = {"username": "hanako", "display_name": "花子", "role": "operator", "password": "123456789012"}
        response = self.client.post("/accounts/staff/", data)
        self.assertEqual(response.status_code, 200)
        self.assertFalse(User.objects.filter(username="hanako").exists())

    def test_an_initial_password_must_be_changed_before_anything_else(self):
        self.login(self.admin)
        data = {
            "username": "hanako",
            "display_name": "花子",
            "role": "operator",
            "password": "kurume-river-2026x",
        }
        self.client.post("/accounts/staff/", data)
        hanako = User.objects.get(username="hanako")
        self.assertTrue(hanako.must_change_password)
        self.client.force_login(hanako)
        self.assertRedirects(self.client.get("/calendar/"), "/accounts/password/")
        response = self.client.post(
            "/accounts/password/",
            {
                "old_password": "kurume-river-2026x",
                "new_password1": "aaaaaaaaaaaa",
                "new_password2": "aaaaaaaaaaaa",
            },
        )
        self.assertEqual(response.status_code, 200)  # refused by the validators
        response = self.client.post(
            "/accounts/password/",
            {
                "old_password": "kurume-river-2026x",
                "new_password1": "chikugo-bridge-77",
                "new_password2": "chikugo-bridge-77",
            },
        )
        self.assertRedirects(response, "/")
        self.assertEqual(self.client.get("/calendar/").status_code, 200)
        self.assertTrue(AuditEvent.objects.filter(actor=hanako, detail__fields=["password"]).exists())

    def test_an_admin_reset_is_validated_audited_ends_the_users_sessions_and_forces_a_change(self):
        other = self.client_class()
        other.force_login(self.operator)
        self.login(self.admin)
        url = f"/accounts/staff/{self.operator.pk}/password/"
        self.client.post(url, {"password": "aaaaaaaaaaaa"})
        self.operator.refresh_from_db()
        self.assertTrue(self.operator.check_password(PASSWORD))
        response = self.client.post(url, {"password": "temporary-kurume-42"})
        self.assertRedirects(response, "/accounts/staff/")
        self.operator.refresh_from_db()
        self.assertTrue(self.operator.must_change_password)
        self.assertTrue(
            AuditEvent.objects.filter(
                actor=self.admin, object_id=str(self.operator.pk), detail__reset_by_admin=True
            ).exists()
        )
        self.assertRedirects(other.get("/calendar/"), "/accounts/login/?next=/calendar/")

    def test_a_user_changes_their_own_password(self):
        self.login(self.operator)
        response = self.client.post(
            "/accounts/password/",
            {
                "old_password": PASSWORD,
                "new_password1": "chikugo-bridge-77",
                "new_password2": "chikugo-bridge-77",
            },
        )
        self.assertRedirects(response, "/")
        self.operator.refresh_from_db()
        self.assertTrue(self.operator.check_password("chikugo-bridge-77"))


@override_settings(MADOGUCHI_REQUIRE_2FA_ROLES=["director", "admin", "city_staff"])
class TwoFactorEnrolmentTests(BaseTestCase):
    def enrol(self, user, client):
        client.get("/accounts/2fa/")
        device = TOTPDevice.objects.get(user=user)
        client.post("/accounts/2fa/", {"token": f"{totp(device.bin_key):06d}"})
        return device

    def test_the_password_alone_cannot_enrol_an_authenticator_an_administrator_approves_it(self):
        self.client.post("/accounts/login/", {"username": "emi", "password": PASSWORD})
        device = self.enrol(self.director, self.client)
        device.refresh_from_db()
        self.assertFalse(device.confirmed)
        self.assertEqual(self.client.get("/calendar/").status_code, 302)
        admin = self.client_class()
        admin.force_login(self.admin)
        with mock.patch(
            "madoguchi.accounts.middleware.TwoFactorRequiredMiddleware.__call__",
            lambda s, r: s.get_response(r),
        ):
            page = admin.get("/accounts/staff/")
            self.assertContains(page, "承認待ち")
            approval = device.approval
            admin.post(f"/accounts/staff/2fa/{approval.pk}/approve/")
        device.refresh_from_db()
        self.assertTrue(device.confirmed)
        self.assertTrue(
            AuditEvent.objects.filter(actor=self.admin, detail__step="2fa_enrolment_approved").exists()
        )

    def test_nobody_approves_their_own_enrolment(self):
        from madoguchi.accounts.models import TwoFactorApproval
        from madoguchi.accounts.services import two_factor_approve

        device = TOTPDevice.objects.create(user=self.admin, name="app", confirmed=False)
        approval = TwoFactorApproval.objects.create(device=device)
        with pytest.raises(Exception, match="自分"):
            two_factor_approve(approval=approval, by=self.admin)

    def test_the_first_administrator_is_approved_on_the_server(self):
        from madoguchi.accounts.models import TwoFactorApproval

        device = TOTPDevice.objects.create(user=self.admin, name="app", confirmed=False)
        TwoFactorApproval.objects.create(device=device)
        call_command("approve_2fa", "goro", stdout=io.StringIO())
        device.refresh_from_db()
        self.assertTrue(device.confirmed)


class SessionLifetimeTests(BaseTestCase):
    def test_a_session_ends_after_the_absolute_lifetime_however_active(self):
        self.login(self.operator)
        self.assertEqual(self.client.get("/calendar/").status_code, 200)
        session = self.client.session
        session[SESSION_STARTED] = int(time.time()) - 11 * 3600
        session.save()
        response = self.client.get("/calendar/")
        self.assertRedirects(response, "/accounts/login/", fetch_redirect_response=False)
        self.assertEqual(self.client.get("/calendar/").status_code, 302)

    def test_polling_does_not_renew_the_idle_timeout_but_a_click_does(self):
        self.login(self.operator)
        self.client.get("/")
        key = self.client.session.session_key
        session = self.client.session
        session[SESSION_RENEWED] = int(time.time()) - SESSION_RENEW_SECONDS  # last renewed a minute ago
        session.save()
        before = Session.objects.get(pk=key).expire_date
        time.sleep(0.01)
        self.client.get("/", HTTP_X_MADOGUCHI_POLL="1")
        self.assertEqual(Session.objects.get(pk=key).expire_date, before)
        self.client.get("/")
        self.assertGreater(Session.objects.get(pk=key).expire_date, before)

    def test_clicks_within_a_minute_of_the_last_renewal_write_no_session(self):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        self.login(self.operator)
        self.client.get("/")  # renewed (saved) at most now
        key = self.client.session.session_key
        renewed = Session.objects.get(pk=key).expire_date
        with CaptureQueriesContext(connection) as ctx:
            self.assertEqual(self.client.get("/").status_code, 200)
            self.assertEqual(self.client.get("/api/reservations/ping").status_code, 200)
        session_sql = [q["sql"] for q in ctx.captured_queries if "django_session" in q["sql"]]
        self.assertFalse([q for q in session_sql if not q.lstrip().upper().startswith("SELECT")], session_sql)
        self.assertEqual(Session.objects.get(pk=key).expire_date, renewed)
        # A minute later the next click renews the idle timeout, and the session still says who is signed in.
        later = time.time() + SESSION_RENEW_SECONDS
        with mock.patch("time.time", return_value=later):
            self.client.get("/")
        self.assertGreater(Session.objects.get(pk=key).expire_date, renewed)
        self.assertEqual(self.client.session["_auth_user_id"], str(self.operator.pk))

    def test_a_changed_session_is_saved_at_once_within_the_minute(self):
        self.login(self.operator)
        self.client.get("/")
        session = self.client.session
        del session[SESSION_STARTED]
        session[SESSION_RENEWED] = int(time.time())  # renewed just now
        session.save()
        self.client.get("/")  # the sign-in time is missing: the middleware sets it, a change that is saved
        stored = Session.objects.get(pk=session.session_key).get_decoded()
        self.assertIn(SESSION_STARTED, stored)

"""Retention of departed staff accounts and of FAQ import uploads (issue 12, point 4)."""

from __future__ import annotations

import datetime
from unittest import mock

from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from madoguchi.accounts.models import AuditEvent, User
from madoguchi.accounts.services import departed_staff_purge, staff_deactivate
from madoguchi.accounts.testing import BaseTestCase
from madoguchi.faq.jobs import UPLOAD_DIR
from madoguchi.faq.services import faq_import_upload_purge

from ..rules import rules
from ..services import retention_approve, retention_run

NOW = timezone.now()


def days_ago(n: int) -> datetime.datetime:
    return NOW - datetime.timedelta(days=n)


class DepartedStaffTests(BaseTestCase):
    def setUp(self):
        self.leaver = User.objects.create_user(
            "kurume_hanako",
            password="x",
            display_name="久留米 花子",
            email="hanako@example.jp",
            first_name="花子",
        )
        TOTPDevice.objects.create(user=self.leaver, name="スマートフォン")

    def test_both_kinds_are_on_the_schedule_shown_to_the_city(self):
        kinds = {r.kind: r for r in rules()}
        self.assertEqual(kinds["accounts.departed_staff"].days, 365)
        self.assertEqual(kinds["faq.import_file"].days, 7)
        self.login(self.city_staff)
        page = self.client.get(reverse("retention:index"))
        self.assertContains(page, "退職（無効化）した職員アカウント")
        self.assertContains(page, "質疑応答集の取込ファイル")

    def test_deactivating_starts_the_clock_and_ends_the_leavers_sessions(self):
        session = SessionStore()
        session["_auth_user_id"] = str(self.leaver.pk)
        session.create()
        self.login(self.admin)
        response = self.client.post(reverse("accounts:staff_deactivate", args=[self.leaver.pk]))
        self.assertRedirects(response, reverse("accounts:staff_list"))
        self.leaver.refresh_from_db()
        self.assertFalse(self.leaver.is_active)
        self.assertIsNotNone(self.leaver.deactivated_at)
        self.assertFalse(Session.objects.filter(session_key=session.session_key).exists())

    def test_an_administrator_cannot_deactivate_themself(self):
        with self.assertRaises(ValueError):
            staff_deactivate(user=self.admin, by=self.admin)
        self.admin.refresh_from_db()
        self.assertTrue(self.admin.is_active)

    def test_a_leavers_personal_data_goes_after_the_period_but_the_account_row_stays(self):
        staff_deactivate(user=self.leaver, by=self.admin)
        User.objects.filter(pk=self.leaver.pk).update(deactivated_at=days_ago(400))
        recent = User.objects.create_user("recent_leaver", password="x", display_name="最近 退職")
        staff_deactivate(user=recent, by=self.admin)
        audited = AuditEvent.objects.filter(actor=self.leaver).count()

        self.assertEqual(departed_staff_purge(before=days_ago(365), dry_run=True), 1)
        self.assertEqual(departed_staff_purge(before=days_ago(365), dry_run=False), 1)

        self.leaver.refresh_from_db()
        self.assertEqual(
            (self.leaver.username, self.leaver.display_name, self.leaver.email, self.leaver.first_name),
            (f"departed-{self.leaver.pk}", "退職者", "", ""),
        )
        self.assertFalse(self.leaver.has_usable_password())
        self.assertFalse(TOTPDevice.objects.filter(user=self.leaver).exists())
        self.assertEqual(
            AuditEvent.objects.filter(actor=self.leaver).count(), audited
        )  # the trail keeps its rows
        recent.refresh_from_db()
        self.assertEqual(recent.display_name, "最近 退職")
        self.assertEqual(departed_staff_purge(before=days_ago(365), dry_run=True), 0)  # once only
        self.assertTrue(AuditEvent.objects.filter(object_type="accounts.user", detail__purged=1).exists())

    def test_an_active_account_is_never_purged_and_a_legal_hold_keeps_a_leaver(self):
        User.objects.filter(pk=self.operator.pk).update(deactivated_at=days_ago(900))  # still active
        staff_deactivate(user=self.leaver, by=self.admin)
        User.objects.filter(pk=self.leaver.pk).update(deactivated_at=days_ago(400))
        hold = [(days_ago(410), days_ago(390))]
        self.assertEqual(departed_staff_purge(before=days_ago(365), dry_run=False, holds=hold), 0)
        self.leaver.refresh_from_db()
        self.operator.refresh_from_db()
        self.assertEqual(
            (self.leaver.username, self.operator.username), ("kurume_hanako", self.operator.username)
        )


class FaqUploadTests(BaseTestCase):
    def setUp(self):
        # The test storage is in memory; a file's time is when it was saved.
        with mock.patch("django.core.files.storage.memory.now", return_value=days_ago(10)):
            self.old = default_storage.save(f"{UPLOAD_DIR}/old.xlsx", ContentFile(b"PK old"))
        self.new = default_storage.save(f"{UPLOAD_DIR}/new.csv", ContentFile(b"new"))
        self.addCleanup(lambda: [default_storage.delete(p) for p in (self.old, self.new)])

    def test_an_upload_left_after_a_dry_run_is_deleted_after_seven_days(self):
        self.assertEqual(faq_import_upload_purge(before=days_ago(7), dry_run=True), 1)
        self.assertTrue(default_storage.exists(self.old))
        self.assertEqual(faq_import_upload_purge(before=days_ago(7), dry_run=False), 1)
        self.assertFalse(default_storage.exists(self.old))
        self.assertTrue(default_storage.exists(self.new))

    def test_a_legal_hold_keeps_the_file(self):
        hold = [(days_ago(11), days_ago(9))]
        self.assertEqual(faq_import_upload_purge(before=days_ago(7), dry_run=False, holds=hold), 0)
        self.assertTrue(default_storage.exists(self.old))

    def test_no_upload_folder_means_nothing_to_do(self):
        with mock.patch.object(default_storage, "listdir", side_effect=FileNotFoundError):
            self.assertEqual(faq_import_upload_purge(before=NOW, dry_run=False), 0)

    def test_the_approved_nightly_run_records_both_kinds(self):
        retention_run(dry_run=True)
        retention_approve(by=self.city_staff)
        records = {r.kind: r for r in retention_run(dry_run=False)}
        self.assertEqual(records["faq.import_file"].count, 1)
        self.assertEqual(records["accounts.departed_staff"].count, 0)
        self.assertFalse(default_storage.exists(self.old))

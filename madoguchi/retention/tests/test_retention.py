"""Retention: a schedule per kind of personal data, a dry run first, approval, the nightly job, deletion records,
legal holds (open incidents), and a run killed half-way."""

from __future__ import annotations

import datetime
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.utils import timezone

from madoguchi.accounts.models import AuditEvent
from madoguchi.accounts.testing import BaseTestCase
from madoguchi.calls.models import Call
from madoguchi.cards.models import Card
from madoguchi.cards.tests.factories import make_card
from madoguchi.incidents.models import Incident
from madoguchi.jobs.testing import run_queued_jobs
from madoguchi.lib.crypto import lookup_hash

from ..models import DeletionRecord, LegalHold
from ..rules import Rule, rules
from ..services import RetentionNotApproved, retention_approve, retention_run

NOW = timezone.now()


def old_call(days: int) -> Call:
    call = Call.objects.create(
        started_at=NOW - datetime.timedelta(days=days),
        ended_at=NOW - datetime.timedelta(days=days),
        status=Call.Status.ENDED,
        direction="inbound",
        line=1,
        phone="09012345678",
        phone_hash=lookup_hash("phone", "09012345678"),
    )
    return call


class RetentionTests(BaseTestCase):
    def setUp(self):
        self.old = old_call(200)
        self.recent = old_call(10)
        self.issued = make_card(self.main_office, state=Card.State.ISSUED)
        Card.objects.filter(pk=self.issued.pk).update(updated_at=NOW - datetime.timedelta(days=400))

    def test_a_dry_run_counts_what_is_past_its_period_and_deletes_nothing(self):
        records = {r.kind: r for r in retention_run(dry_run=True)}
        self.assertEqual(records["calls.phone"].count, 1)
        self.assertEqual(records["cards.card"].count, 1)
        self.assertTrue(all(r.dry_run for r in records.values()))
        self.old.refresh_from_db()
        self.assertEqual(self.old.phone, "09012345678")

    def test_nothing_is_deleted_without_an_approval_and_no_approval_without_a_dry_run(self):
        with pytest.raises(RetentionNotApproved):
            retention_run(dry_run=False)
        with pytest.raises(ValidationError, match="試算"):
            retention_approve(by=self.city_staff)

    def test_after_approval_the_nightly_job_erases_and_records_kind_count_rule_and_approver(self):
        retention_run(dry_run=True)
        approval = retention_approve(by=self.city_staff)
        from madoguchi.jobs.services import job_start

        job_start(kind="retention.purge", params={}, user=None, lock_key="retention.purge")
        run_queued_jobs()
        self.old.refresh_from_db()
        self.recent.refresh_from_db()
        self.assertEqual((self.old.phone, self.old.phone_hash), ("", ""))
        self.assertEqual(self.recent.phone, "09012345678")
        card = Card.objects.get(pk=self.issued.pk)
        self.assertEqual((card.address, card.applicant_kana), ("", ""))
        record = DeletionRecord.objects.get(dry_run=False, kind="calls.phone")
        self.assertEqual(record.count, 1)
        self.assertIn("90日", record.rule)
        self.assertEqual(record.approval, approval)
        self.assertEqual(record.approval.approved_by, self.city_staff)
        self.assertTrue(AuditEvent.objects.filter(object_type="calls.call", action="delete").exists())

    def test_a_changed_schedule_needs_a_new_approval(self):
        retention_run(dry_run=True)
        retention_approve(by=self.director)
        with override_settings(MADOGUCHI_RETENTION_DAYS={"calls.phone": 30}):
            with pytest.raises(RetentionNotApproved):
                retention_run(dry_run=False)

    def test_an_open_incident_keeps_the_records_around_it_until_it_is_closed(self):
        Incident.objects.create(
            occurred_at=NOW - datetime.timedelta(days=190),
            category="complaint",
            summary="苦情",
            description="x",
            reported_by=self.site_manager,
        )
        retention_run(dry_run=True)
        retention_approve(by=self.director)
        retention_run(dry_run=False)
        self.old.refresh_from_db()
        self.assertEqual(self.old.phone, "09012345678")
        Incident.objects.update(status=Incident.Status.CLOSED)
        retention_run(dry_run=False)
        self.old.refresh_from_db()
        self.assertEqual(self.old.phone, "")

    def test_a_legal_hold_keeps_its_period(self):
        LegalHold.objects.create(reason="照会対応", start=NOW - datetime.timedelta(days=300), end=NOW)
        retention_run(dry_run=True)
        retention_approve(by=self.director)
        retention_run(dry_run=False)
        self.old.refresh_from_db()
        self.assertEqual(self.old.phone, "09012345678")

    def test_a_run_killed_half_way_leaves_finished_rules_recorded_and_the_rest_untouched(self):
        retention_run(dry_run=True)
        retention_approve(by=self.director)

        def crash(**kwargs):
            raise KeyboardInterrupt

        real = rules()
        broken = [real[0], Rule("x.crash", "落ちる規則", 1, "削除", crash), *real[1:]]
        with (
            mock.patch("madoguchi.retention.services.rules", return_value=broken),
            mock.patch(
                "madoguchi.retention.services.current_schedule", return_value={r.kind: r.days for r in real}
            ),
            pytest.raises(KeyboardInterrupt),
        ):
            retention_run(dry_run=False)
        self.assertEqual(
            list(DeletionRecord.objects.filter(dry_run=False).values_list("kind", flat=True)), [real[0].kind]
        )
        self.old.refresh_from_db()
        self.assertEqual(self.old.phone, "09012345678")  # a later rule: untouched until the next run

    def test_directors_and_city_staff_see_the_schedule_others_do_not(self):
        for user, status in [
            (self.director, 200),
            (self.city_staff, 200),
            (self.operator, 403),
            (self.admin, 403),
        ]:
            self.login(user)
            response = self.client.get("/retention/")
            self.assertEqual(response.status_code, status, user)
        self.login(self.city_staff)
        self.assertContains(self.client.get("/retention/"), "通話記録の相手方電話番号")

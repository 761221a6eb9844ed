"""The callback queue: by due time, overdue marked, nothing leaves without an outcome."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from madoguchi.accounts.models import AuditEvent
from madoguchi.accounts.testing import BaseTestCase
from madoguchi.calls import services
from madoguchi.calls.models import Callback, CallbackAttempt


def make_callback(
    by, minutes: int, reason: str = "予約の変更について", phone: str = "0942-11-2233"
) -> Callback:
    return services.callback_create(
        by=by, phone=phone, reason=reason, due_at=timezone.now() + datetime.timedelta(minutes=minutes)
    )


class CallbackQueueTests(BaseTestCase):
    def setUp(self):
        self.login(self.operator)

    def test_the_queue_is_ordered_by_due_time_and_marks_the_overdue(self):
        later = make_callback(self.operator, 60, reason="後の用件")
        overdue = make_callback(self.operator, -15, reason="遅れている用件")
        response = self.client.get("/calls/callbacks/")
        body = response.content.decode()
        self.assertLess(body.index("遅れている用件"), body.index("後の用件"))
        self.assertContains(response, "期限超過", count=1)
        self.assertContains(response, '<tr class="overdue">')
        self.assertNotContains(response, "0942-11-2233")  # the queue shows no phone numbers
        self.assertTrue(overdue.is_overdue())
        self.assertFalse(later.is_overdue())

    def test_the_detail_shows_the_phone_masked_until_revealed_and_records_the_view(self):
        cb = make_callback(self.operator, 30)
        response = self.client.get(f"/calls/callbacks/{cb.pk}/")
        self.assertContains(response, "09**-**-2233")  # operators: masked until 「表示」 (docs/security.md)
        self.assertNotContains(response, "0942-11-2233")
        revealed = self.client.post(
            f"/accounts/reveal/calls.callback/{cb.pk}/phone/", headers={"HX-Request": "true"}
        )
        self.assertContains(revealed, "0942-11-2233")
        self.assertTrue(
            AuditEvent.objects.filter(
                action="view", object_type="calls.callback", object_id=str(cb.pk)
            ).exists()
        )

    def test_an_unanswered_attempt_keeps_it_in_the_queue_and_moves_the_due_time(self):
        cb = make_callback(self.operator, -5)
        next_due = (timezone.localtime() + datetime.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
        response = self.client.post(
            f"/calls/callbacks/{cb.pk}/attempt/",
            {"outcome": "no_answer", "note": "呼出音のみ", "next_due_at": next_due},
        )
        self.assertRedirects(response, f"/calls/callbacks/{cb.pk}/")
        cb.refresh_from_db()
        self.assertTrue(cb.is_open)
        self.assertFalse(cb.is_overdue())
        self.assertEqual(cb.owner, self.operator)
        self.assertEqual(cb.attempts.get().outcome, "no_answer")

    def test_reaching_the_resident_closes_it_as_resolved(self):
        cb = make_callback(self.operator, 10)
        self.client.post(f"/calls/callbacks/{cb.pk}/attempt/", {"outcome": "reached", "note": "回答済み"})
        cb.refresh_from_db()
        self.assertEqual(cb.status, "closed")
        self.assertEqual(cb.outcome, "resolved")
        self.assertEqual(cb.closed_by, self.operator)
        self.assertNotContains(self.client.get("/calls/callbacks/"), f"No.{cb.pk}<")

    def test_closing_without_an_outcome_is_refused(self):
        cb = make_callback(self.operator, 10)
        self.client.post(f"/calls/callbacks/{cb.pk}/close/", {"outcome": ""})
        cb.refresh_from_db()
        self.assertTrue(cb.is_open)
        with self.assertRaises(ValidationError):
            services.callback_close(by=self.operator, callback=cb, outcome="")

    def test_unreachable_needs_at_least_one_attempt(self):
        cb = make_callback(self.operator, 10)
        response = self.client.post(
            f"/calls/callbacks/{cb.pk}/close/", {"outcome": "unreachable"}, follow=True
        )
        self.assertContains(response, "少なくとも1回架電してから")
        services.callback_attempt_record(
            by=self.operator, callback=cb, outcome=CallbackAttempt.Outcome.NO_ANSWER
        )
        self.client.post(f"/calls/callbacks/{cb.pk}/close/", {"outcome": "unreachable", "note": "3回不在"})
        cb.refresh_from_db()
        self.assertEqual(cb.outcome, "unreachable")
        self.assertEqual(cb.closing_note, "3回不在")

    def test_the_database_refuses_a_closed_callback_without_an_outcome(self):
        cb = make_callback(self.operator, 10)
        with self.assertRaises(IntegrityError), transaction.atomic():
            Callback.objects.filter(pk=cb.pk).update(status="closed", outcome="")

    def test_a_callback_entered_by_hand_is_due_in_half_an_hour_by_default(self):
        response = self.client.post(
            "/calls/callbacks/new/",
            {
                "phone": "0942-55-6677",
                "name": "",
                "source": "overflow",
                "reason": "市民課の回線に回った入電",
                "due_at": "",
            },
        )
        self.assertRedirects(response, "/calls/callbacks/")
        cb = Callback.objects.get()
        self.assertEqual(cb.created_by, self.operator)

    def test_an_individual_number_in_the_reason_is_refused(self):
        response = self.client.post(
            "/calls/callbacks/new/",
            {
                "phone": "0942-55-6677",
                "source": "other",
                "reason": "番号 123456789018 について",
                "due_at": "",
            },
        )
        self.assertContains(response, "個人番号（マイナンバー）と思われる12桁の数字")
        self.assertFalse(Callback.objects.exists())

    def test_taking_ownership(self):
        cb = make_callback(self.site_manager, 10)
        self.client.post(f"/calls/callbacks/{cb.pk}/assign/")
        cb.refresh_from_db()
        self.assertEqual(cb.owner, self.operator)

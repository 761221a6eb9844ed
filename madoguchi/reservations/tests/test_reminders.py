"""Reminders the day before: once, never twice, not to those who opted out."""

from __future__ import annotations

import datetime
from io import StringIO
from unittest import mock

from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from madoguchi.accounts.testing import BaseTestCase

from ..models import Reservation
from ..services import reminders_send, reservation_book, reservation_set_reminder
from .helpers import open_day, ready_card, slot_on


class ReminderTests(BaseTestCase):
    def setUp(self):
        self.day = open_day(self.main_office)
        slot = slot_on(self.main_office, self.day)
        self.with_mail = reservation_book(
            cards=[ready_card(self.main_office)], slot=slot, by=None, channel="web", email="a@example.jp"
        )
        self.opted_out = reservation_book(
            cards=[ready_card(self.main_office)],
            slot=slot,
            by=None,
            channel="web",
            email="b@example.jp",
            reminder_opt_out=True,
        )
        self.no_mail = reservation_book(
            cards=[ready_card(self.main_office)], slot=slot, by=None, channel="phone"
        )

    def test_it_sends_once_and_never_twice(self):
        call_command("send_reminders", "--date", self.day.isoformat(), stdout=StringIO())
        call_command("send_reminders", "--date", self.day.isoformat(), stdout=StringIO())
        self.assertEqual([m.to for m in mail.outbox], [["a@example.jp"]])
        self.assertIn(self.with_mail.display_code, mail.outbox[0].body)
        self.with_mail.refresh_from_db()
        self.assertIsNotNone(self.with_mail.reminder_sent_at)

    def test_opting_out_later_stops_the_reminder(self):
        reservation_set_reminder(reservation=self.with_mail, opt_out=True, by=self.operator)
        sent, _ = reminders_send(day=self.day)
        self.assertEqual((sent, len(mail.outbox)), (0, 0))

    def test_a_failed_send_is_retried_on_the_next_run(self):
        with mock.patch("madoguchi.reservations.services.send_mail", side_effect=OSError("smtp down")):
            self.assertEqual(reminders_send(day=self.day), (0, 1))
        self.assertEqual(reminders_send(day=self.day), (1, 0))

    def test_by_default_it_sends_for_tomorrow_only(self):
        now = timezone.make_aware(
            datetime.datetime.combine(self.day - datetime.timedelta(days=2), datetime.time(10))
        )
        self.assertEqual(reminders_send(now=now), (0, 0))
        now += datetime.timedelta(days=1)
        self.assertEqual(reminders_send(now=now), (1, 0))

    def test_a_cancelled_booking_gets_no_reminder(self):
        Reservation.objects.filter(pk=self.with_mail.pk).update(status=Reservation.Status.CANCELLED)
        self.assertEqual(reminders_send(day=self.day), (0, 0))


class HoldReleaseTests(BaseTestCase):
    def test_the_nightly_command_frees_expired_holds_once(self):
        from ..models import Slot
        from ..services import holds_release

        slot = slot_on(self.main_office, open_day(self.main_office))
        then = timezone.now() - datetime.timedelta(hours=1)
        for _ in range(2):
            reservation_book(
                cards=[ready_card(self.main_office)], slot=slot, by=None, channel="web", hold=True, now=then
            )
        self.assertEqual(holds_release(), 2)
        self.assertEqual(holds_release(), 0)
        self.assertEqual(Slot.objects.get(pk=slot.pk).booked, 0)
        self.assertEqual(Reservation.objects.filter(status=Reservation.Status.EXPIRED).count(), 2)
        out = StringIO()
        call_command("sync_slots", stdout=out)
        self.assertIn("要対応の予約: 合計 0 件", out.getvalue())


class ScheduledReminderTests(BaseTestCase):
    def test_the_scheduler_starts_the_reminder_run_at_ten_and_it_mails_tomorrows_bookings_once(self):
        from madoguchi.jobs.models import Job
        from madoguchi.jobs.services import schedule_tick
        from madoguchi.jobs.testing import run_queued_jobs

        day = open_day(self.main_office)
        reservation_book(
            cards=[ready_card(self.main_office)],
            slot=slot_on(self.main_office, day),
            by=None,
            channel="web",
            email="a@example.jp",
        )
        ten_the_day_before = timezone.make_aware(
            datetime.datetime.combine(day - datetime.timedelta(days=1), datetime.time(10, 0))
        )
        with mock.patch("django.utils.timezone.now", return_value=ten_the_day_before):
            started = schedule_tick(now=ten_the_day_before)
            self.assertIn("reservations.send_reminders", [job.kind for job in started])
            self.assertNotIn(
                "reservations.send_reminders", [job.kind for job in schedule_tick(now=ten_the_day_before)]
            )
            finished = {job.kind: job for job in run_queued_jobs()}
        reminders = finished["reservations.send_reminders"]
        self.assertEqual(reminders.state, Job.State.DONE)
        self.assertEqual(reminders.result_summary, {"送信": 1, "失敗": 0})
        self.assertEqual([m.to for m in mail.outbox], [["a@example.jp"]])

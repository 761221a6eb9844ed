"""Slots from the one calendar: lengths, capacities, last issuance time, and changes that never drop bookings."""

from __future__ import annotations

import datetime

from django.test import override_settings
from django.utils import timezone

from madoguchi.accounts.testing import BaseTestCase
from madoguchi.calendar.models import SpecialDay
from madoguchi.calendar.services import special_day_create

from ..models import Reservation, Slot
from ..services import (
    BookingError,
    capacity_override_set,
    follow_up_list,
    office_settings_update,
    reservation_book,
    slot_times,
    slots_sync,
)
from .helpers import open_day, ready_card, set_capacity, slot_on

T = datetime.time


class SlotGenerationTests(BaseTestCase):
    def test_a_regular_day_gives_thirty_minute_slots_ending_at_closing(self):
        times = slot_times(T(8, 30), T(17, 15), 30)
        self.assertEqual(times[0], (T(8, 30), T(9, 0)))
        self.assertEqual(times[-1], (T(16, 30), T(17, 0)))
        self.assertEqual(len(times), 17)

    @override_settings(MADOGUCHI_LAST_ISSUANCE_TIME="18:30")
    def test_no_slot_ends_after_the_last_issuance_time(self):
        times = slot_times(T(8, 30), T(19, 0), 30)
        self.assertEqual(times[-1][1], T(18, 30))

    def test_capacity_is_windows_times_people_per_window(self):
        set_capacity(self.main_office, 3)
        day = open_day(self.main_office)
        self.assertEqual(slot_on(self.main_office, day).capacity, 3)

    def test_a_holiday_issuance_day_produces_its_slots(self):
        sunday = open_day(self.main_office, ahead=3)
        while sunday.weekday() != 6:
            sunday += datetime.timedelta(days=1)
        self.assertFalse(Slot.objects.filter(date=sunday).exists())
        slots_sync(office=self.main_office, start=sunday, end=sunday)
        self.assertFalse(Slot.objects.filter(date=sunday).exists())
        special_day_create(
            by=self.site_manager,
            date=sunday,
            kind=SpecialDay.Kind.HOLIDAY_ISSUANCE,
            reason="休日交付",
            office=self.main_office,
            opens=T(9, 0),
            closes=T(12, 0),
        )
        slots_sync(office=self.main_office, start=sunday, end=sunday)
        self.assertEqual(Slot.objects.filter(office=self.main_office, date=sunday, is_open=True).count(), 6)

    def test_an_outreach_day_opens_the_calendar_but_offers_no_pickup_slots(self):
        sunday = open_day(self.main_office, ahead=3)
        while sunday.weekday() != 6:
            sunday += datetime.timedelta(days=1)
        special_day_create(
            by=self.site_manager,
            date=sunday,
            kind=SpecialDay.Kind.OUTREACH,
            reason="出張申請（商業施設）",
            office=self.main_office,
        )
        slots_sync(office=self.main_office, start=sunday, end=sunday)
        self.assertFalse(Slot.objects.filter(office=self.main_office, date=sunday, is_open=True).exists())

    def test_the_evening_extension_produces_evening_slots(self):
        thursday = open_day(self.main_office)
        while (
            thursday.weekday() != 3
            or not slots_sync(office=self.main_office, start=thursday, end=thursday).created
        ):
            thursday += datetime.timedelta(days=1)
        last = Slot.objects.filter(office=self.main_office, date=thursday).order_by("-start").first()
        self.assertEqual(last.end, T(19, 0))

    def test_sync_is_idempotent(self):
        day = open_day(self.main_office)
        first = slots_sync(office=self.main_office, start=day, end=day)
        second = slots_sync(office=self.main_office, start=day, end=day)
        self.assertGreater(first.created, 0)
        self.assertEqual((second.created, second.updated, second.withdrawn), (0, 0, 0))


class CalendarChangeTests(BaseTestCase):
    def setUp(self):
        set_capacity(self.main_office, 2)
        self.day = open_day(self.main_office)
        self.slot = slot_on(self.main_office, self.day)
        self.booking = reservation_book(
            cards=[ready_card(self.main_office), ready_card(self.main_office)],
            slot=self.slot,
            by=self.operator,
            channel="phone",
        )

    def test_closing_a_day_keeps_its_bookings_and_lists_them_for_follow_up(self):
        special_day_create(
            by=self.site_manager,
            date=self.day,
            kind=SpecialDay.Kind.CLOSURE,
            reason="停電",
            office=self.main_office,
        )
        result = slots_sync(office=self.main_office, start=self.day, end=self.day)
        self.assertGreater(result.withdrawn, 0)
        self.assertEqual(result.affected, [self.booking])
        self.booking.refresh_from_db()
        self.assertEqual(self.booking.status, Reservation.Status.BOOKED)
        self.assertIn(self.booking, follow_up_list())

    def test_lowering_a_slots_capacity_below_its_bookings_lists_them(self):
        result = capacity_override_set(
            office=self.main_office, date=self.day, start=self.slot.start, capacity=1, by=self.site_manager
        )
        self.assertEqual(result.affected, [self.booking])
        self.slot.refresh_from_db()
        self.assertEqual((self.slot.capacity, self.slot.booked), (1, 2))

    def test_a_day_override_sets_every_slot_of_the_day(self):
        capacity_override_set(
            office=self.main_office, date=self.day, start=None, capacity=6, by=self.site_manager
        )
        caps = set(
            Slot.objects.filter(office=self.main_office, date=self.day).values_list("capacity", flat=True)
        )
        self.assertEqual(caps, {6})

    def test_an_override_outside_opening_hours_is_refused_and_changes_nothing(self):
        with self.assertRaisesMessage(BookingError, "開庁時間外"):
            capacity_override_set(
                office=self.main_office, date=self.day, start=T(7, 0), capacity=3, by=self.site_manager
            )
        from ..models import CapacityOverride

        self.assertFalse(CapacityOverride.objects.exists())

    def test_an_override_for_a_past_day_or_a_closed_day_is_refused_and_changes_nothing(self):
        from madoguchi.calendar.services import hours_for

        from ..models import CapacityOverride

        past = timezone.localdate() - datetime.timedelta(days=3)
        with self.assertRaisesMessage(BookingError, "過去の日付"):
            capacity_override_set(
                office=self.main_office, date=past, start=None, capacity=3, by=self.site_manager
            )
        closed = self.day
        while hours_for(self.main_office, closed).is_open:
            closed += datetime.timedelta(days=1)
        with self.assertRaisesMessage(BookingError, "予約枠のない日"):
            capacity_override_set(
                office=self.main_office, date=closed, start=None, capacity=3, by=self.site_manager
            )
        self.assertFalse(CapacityOverride.objects.exists())

    def test_a_new_slot_length_withdraws_old_slots_and_keeps_their_bookings(self):
        from madoguchi.jobs.testing import run_queued_jobs

        job = office_settings_update(
            office=self.main_office, slot_minutes=20, windows=2, people_per_window=1, by=self.site_manager
        )
        self.assertEqual(job.kind, "reservations.sync_slots")
        # Nothing changes in the request: the job does it.
        self.assertFalse(Slot.objects.filter(office=self.main_office, date=self.day, start=T(8, 50)).exists())
        [done] = run_queued_jobs()
        self.assertEqual(done.state, "done", done.error_message)
        self.assertGreater(done.result_summary["停止"], 0)
        self.booking.refresh_from_db()
        self.assertEqual(self.booking.status, Reservation.Status.BOOKED)
        # 8:30 still starts a slot (8:30–8:50), so this booking stays in an open slot with the new end time.
        self.slot.refresh_from_db()
        self.assertEqual(self.slot.end, T(8, 50))
        self.assertTrue(Slot.objects.filter(office=self.main_office, date=self.day, start=T(8, 50)).exists())

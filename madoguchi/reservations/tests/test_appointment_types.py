"""Every counter appointment on one engine: types share the windows' places, last their slots, identify as asked."""

from __future__ import annotations

import datetime

from madoguchi.accounts.testing import BaseTestCase

from ..models import AppointmentType, Reservation, Slot
from ..selectors import appointment_counts
from ..services import (
    BookingError,
    Person,
    SlotFullError,
    appointment_book,
    appointment_type_get,
    reservation_book,
    reservation_cancel,
    reservation_change,
    slot_counts_consistent,
    slots_free,
)
from .helpers import open_day, ready_card, set_capacity, slot_on

TARO = Person(name="久留米 太郎", birth_date=datetime.date(1960, 4, 1), phone="0942-30-9000")
HANAKO = Person(name="久留米 花子", birth_date=datetime.date(1962, 7, 7), phone="090-1234-5678")


class AppointmentTypeTests(BaseTestCase):
    def setUp(self):
        set_capacity(self.main_office, 2)
        self.day = open_day(self.main_office)
        self.slot = slot_on(self.main_office, self.day)
        self.renewal = appointment_type_get("certificate")
        self.application = appointment_type_get("application")

    def test_the_built_in_types_exist_with_what_to_bring(self):
        codes = set(AppointmentType.objects.values_list("code", flat=True))
        self.assertLessEqual({"pickup", "application", "certificate", "pin_reset", "card_change"}, codes)
        self.assertIn("マイナンバーカード", self.renewal.bring_list)
        self.assertEqual(appointment_type_get("pickup").identification, "notice_birth")

    def test_a_renewal_and_a_pickup_share_the_windows_places(self):
        reservation_book(
            cards=[ready_card(self.main_office)], slot=self.slot, by=self.operator, channel="phone"
        )
        appointment_book(
            appointment_type=self.renewal, slot=self.slot, by=self.operator, channel="phone", person=TARO
        )
        with self.assertRaises(SlotFullError):
            appointment_book(
                appointment_type=appointment_type_get("pin_reset"),
                slot=self.slot,
                by=self.operator,
                channel="phone",
                person=HANAKO,
            )
        self.slot.refresh_from_db()
        self.assertEqual(self.slot.booked, 2)
        self.assertEqual(slot_counts_consistent(), [])

    def test_a_two_slot_application_takes_places_in_both_slots_and_gives_both_back(self):
        r = appointment_book(
            appointment_type=self.application,
            slot=self.slot,
            by=self.operator,
            channel="phone",
            person=TARO,
            people=2,
        )
        nxt = slot_on(self.main_office, self.day, 1)
        self.assertEqual(r.slot_ids, [self.slot.pk, nxt.pk])
        self.assertEqual(
            list(Slot.objects.filter(pk__in=r.slot_ids).values_list("booked", flat=True)), [2, 2]
        )
        reservation_cancel(reservation=r, by=self.operator, channel="phone")
        self.assertEqual(set(Slot.objects.filter(pk__in=r.slot_ids).values_list("booked", flat=True)), {0})
        self.assertEqual(slot_counts_consistent(), [])

    def test_a_long_appointment_is_refused_when_a_later_slot_is_full(self):
        nxt = slot_on(self.main_office, self.day, 1)
        reservation_book(
            cards=[ready_card(self.main_office), ready_card(self.main_office)],
            slot=nxt,
            by=self.operator,
            channel="phone",
        )
        with self.assertRaises(SlotFullError):
            appointment_book(
                appointment_type=self.application,
                slot=self.slot,
                by=self.operator,
                channel="phone",
                person=TARO,
            )
        self.slot.refresh_from_db()
        self.assertEqual(self.slot.booked, 0)  # nothing half-booked

    def test_free_slots_for_a_long_type_need_room_in_the_following_slots(self):
        nxt = slot_on(self.main_office, self.day, 1)
        reservation_book(
            cards=[ready_card(self.main_office), ready_card(self.main_office)],
            slot=nxt,
            by=self.operator,
            channel="phone",
        )
        free = slots_free(office=self.main_office, date=self.day, appointment_type=self.application)
        self.assertNotIn(self.slot.pk, [s.pk for s in free])
        free_one = slots_free(office=self.main_office, date=self.day, appointment_type=self.renewal)
        self.assertIn(self.slot.pk, [s.pk for s in free_one])

    def test_moving_a_long_appointment_by_one_slot_keeps_the_counts(self):
        r = appointment_book(
            appointment_type=self.application, slot=self.slot, by=self.operator, channel="phone", person=TARO
        )
        second = slot_on(self.main_office, self.day, 1)
        third = slot_on(self.main_office, self.day, 2)
        r = reservation_change(reservation=r, slot=second, by=self.operator, channel="phone")
        self.assertEqual(r.slot_ids, [second.pk, third.pk])
        self.assertEqual(slot_counts_consistent(), [])
        self.slot.refresh_from_db()
        self.assertEqual(self.slot.booked, 0)

    def test_the_same_person_cannot_book_the_same_type_twice(self):
        appointment_book(
            appointment_type=self.renewal, slot=self.slot, by=self.operator, channel="phone", person=TARO
        )
        other = slot_on(self.main_office, self.day, 3)
        spaced = Person(name="久留米　太郎", birth_date=TARO.birth_date, phone="０９４２３０９０００")
        with self.assertRaisesMessage(BookingError, "すでにあります"):
            appointment_book(
                appointment_type=self.renewal, slot=other, by=self.operator, channel="phone", person=spaced
            )
        other.refresh_from_db()
        self.assertEqual(other.booked, 0)
        # Another type for the same person is fine.
        appointment_book(
            appointment_type=appointment_type_get("pin_reset"),
            slot=other,
            by=self.operator,
            channel="phone",
            person=TARO,
        )

    def test_a_certificate_renewal_may_identify_by_the_expiry_notice(self):
        r = appointment_book(
            appointment_type=self.renewal,
            slot=self.slot,
            by=self.operator,
            channel="phone",
            person=Person(expiry_notice_number="EX-1234567", birth_date=TARO.birth_date),
        )
        self.assertEqual(r.expiry_notice_number, "EX-1234567")

    def test_bad_input_says_what_is_wrong_and_books_nothing(self):
        pin = appointment_type_get("pin_reset")
        cases = [
            (dict(person=Person(name="太郎", birth_date=TARO.birth_date, phone="12")), "電話番号"),
            (dict(person=Person(name="", birth_date=TARO.birth_date, phone="0942309000")), "氏名"),
            (dict(person=Person(name="太郎", phone="0942309000")), "生年月日"),
            (dict(person=TARO, people=3), "2人まで"),
            (dict(person=TARO, cards=[ready_card(self.main_office)]), "カードは指定できません"),
        ]
        for kwargs, message in cases:
            with self.subTest(message=message), self.assertRaisesMessage(BookingError, message):
                appointment_book(
                    appointment_type=pin, slot=self.slot, by=self.operator, channel="phone", **kwargs
                )
        self.assertFalse(Reservation.objects.exists())

    def test_an_office_that_does_not_serve_a_type_refuses_it(self):
        self.renewal.offices.set([self.branch_office])
        with self.assertRaisesMessage(BookingError, "受け付けていません"):
            appointment_book(
                appointment_type=self.renewal, slot=self.slot, by=self.operator, channel="phone", person=TARO
            )
        self.slot.refresh_from_db()
        self.assertEqual(self.slot.booked, 0)

    def test_a_type_residents_may_not_book_online_is_refused_on_the_web(self):
        self.renewal.web_bookable = False
        self.renewal.save()
        with self.assertRaisesMessage(BookingError, "Webでは予約できません"):
            appointment_book(
                appointment_type=self.renewal, slot=self.slot, by=None, channel="web", person=TARO
            )

    def test_counts_per_type_for_staffing_and_the_monthly_report(self):
        reservation_book(
            cards=[ready_card(self.main_office)], slot=self.slot, by=self.operator, channel="phone"
        )
        appointment_book(
            appointment_type=self.renewal, slot=self.slot, by=self.operator, channel="phone", person=TARO
        )
        counts = {c.code: c for c in appointment_counts(start=self.day, end=self.day)}
        self.assertEqual((counts["pickup"].booked, counts["pickup"].people), (1, 1))
        self.assertEqual(counts["certificate"].booked, 1)
        self.assertEqual(counts["pin_reset"].booked, 0)

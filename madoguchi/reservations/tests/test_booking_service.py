"""The booking engine: book, refuse, change, cancel — counted in people, nothing half-done."""

from __future__ import annotations

import datetime

from django.utils import timezone

from madoguchi.accounts.models import AuditEvent
from madoguchi.accounts.testing import BaseTestCase
from madoguchi.calendar.models import SpecialDay
from madoguchi.cards.models import Card

from ..models import Reservation, ReservationCard, ReservationEvent, Slot
from ..services import (
    BookingError,
    SlotFullError,
    booked_notice_numbers,
    reservation_book,
    reservation_cancel,
    reservation_change,
    slot_counts_consistent,
)
from .helpers import open_day, ready_card, set_capacity, slot_on

PHONE = Reservation.Channel.PHONE
WEB = Reservation.Channel.WEB


class BookingTests(BaseTestCase):
    def setUp(self):
        set_capacity(self.main_office, 2)
        self.day = open_day(self.main_office)
        self.slot = slot_on(self.main_office, self.day)

    def book(self, *cards, slot=None, channel=PHONE, **kw):
        return reservation_book(cards=cards, slot=slot or self.slot, by=self.operator, channel=channel, **kw)

    def test_it_books_a_card_and_counts_one_person(self):
        card = ready_card(self.main_office)
        r = self.book(card)
        self.assertEqual(r.status, Reservation.Status.BOOKED)
        self.assertEqual(len(r.code), 6)
        self.slot.refresh_from_db()
        self.assertEqual(self.slot.booked, 1)
        self.assertTrue(
            AuditEvent.objects.filter(object_id=str(r.pk), action=AuditEvent.Action.CREATE).exists()
        )
        self.assertEqual(list(r.events.values_list("kind", flat=True)), ["book"])

    def test_a_family_counts_every_person_in_the_capacity(self):
        a, b, c = (ready_card(self.main_office) for _ in range(3))
        r = self.book(a, b)
        self.assertEqual(r.party_size, 2)
        with self.assertRaisesMessage(SlotFullError, "満席"):
            self.book(c)
        self.slot.refresh_from_db()
        self.assertEqual(self.slot.booked, 2)

    def test_it_refuses_a_booking_when_the_slot_is_full(self):
        for _ in range(2):
            self.book(ready_card(self.main_office))
        late = ready_card(self.main_office)
        with self.assertRaises(SlotFullError):
            self.book(late)
        self.assertFalse(ReservationCard.objects.filter(card=late).exists())

    def test_a_family_too_large_for_the_free_places_is_refused_whole(self):
        self.book(ready_card(self.main_office))
        a, b = ready_card(self.main_office), ready_card(self.main_office)
        with self.assertRaises(SlotFullError):
            self.book(a, b)
        self.assertEqual(Reservation.objects.count(), 1)

    def test_it_refuses_a_second_active_booking_for_the_same_card(self):
        card = ready_card(self.main_office)
        first = self.book(card)
        other = slot_on(self.main_office, self.day, 1)
        with self.assertRaisesMessage(BookingError, first.display_code):
            self.book(card, slot=other)

    def test_the_database_refuses_two_active_links_for_one_card(self):
        from django.db import IntegrityError, transaction

        card = ready_card(self.main_office)
        r1 = self.book(card)
        r2 = self.book(ready_card(self.main_office))
        with self.assertRaises(IntegrityError), transaction.atomic():
            ReservationCard.objects.create(reservation=r2, card=card)
        self.assertEqual(ReservationCard.objects.filter(card=card, is_active=True).get().reservation, r1)

    def test_it_refuses_a_card_not_yet_set_up(self):
        card = ready_card(self.main_office, state=Card.State.RECEIVED)
        with self.assertRaisesMessage(BookingError, "交付前設定"):
            self.book(card)

    def test_it_refuses_a_card_already_issued(self):
        card = ready_card(self.main_office, state=Card.State.ISSUED)
        with self.assertRaisesMessage(BookingError, "返納・廃棄済みのため予約できません"):
            self.book(card)

    def test_it_refuses_a_card_on_hold_in_a_readable_sentence(self):
        card = ready_card(self.main_office, state=Card.State.ON_HOLD)
        with self.assertRaisesMessage(BookingError, "は確認中（保留）のため予約できません"):
            self.book(card)

    def test_it_refuses_a_card_of_another_office(self):
        card = ready_card(self.branch_office)
        with self.assertRaisesMessage(BookingError, "田主丸総合支所"):
            self.book(card)

    def test_it_refuses_a_past_slot(self):
        past = Slot.objects.create(
            office=self.main_office,
            date=timezone.localdate() - datetime.timedelta(days=1),
            start=datetime.time(9, 0),
            end=datetime.time(9, 30),
            starts_at=timezone.now() - datetime.timedelta(days=1),
            capacity=4,
        )
        with self.assertRaisesMessage(BookingError, "過去"):
            self.book(ready_card(self.main_office), slot=past)

    def test_the_web_cannot_book_beyond_the_window_or_for_today(self):
        far = open_day(self.main_office, ahead=40)
        with self.assertRaisesMessage(BookingError, "までの枠"):
            self.book(ready_card(self.main_office), slot=slot_on(self.main_office, far), channel=WEB)
        today_slot = Slot.objects.create(
            office=self.main_office,
            date=timezone.localdate(),
            start=datetime.time(23, 0),
            end=datetime.time(23, 30),
            starts_at=timezone.now() + datetime.timedelta(minutes=5),
            capacity=4,
        )
        with self.assertRaisesMessage(BookingError, "Webでの予約"):
            self.book(ready_card(self.main_office), slot=today_slot, channel=WEB)

    def test_a_withdrawn_slot_cannot_be_booked(self):
        Slot.objects.filter(pk=self.slot.pk).update(is_open=False)
        with self.assertRaisesMessage(BookingError, "受付を停止"):
            self.book(ready_card(self.main_office))

    def test_change_moves_the_people_between_slots(self):
        a, b = ready_card(self.main_office), ready_card(self.main_office)
        r = self.book(a, b)
        other = slot_on(self.main_office, self.day, 3)
        reservation_change(reservation=r, slot=other, by=self.operator, channel=PHONE)
        self.slot.refresh_from_db()
        other.refresh_from_db()
        self.assertEqual((self.slot.booked, other.booked), (0, 2))
        event = r.events.get(kind=ReservationEvent.Kind.CHANGE)
        self.assertEqual((event.from_slot, event.to_slot), (self.slot, other))
        self.assertEqual(slot_counts_consistent(), [])

    def test_change_into_a_full_slot_changes_nothing(self):
        r = self.book(ready_card(self.main_office))
        other = slot_on(self.main_office, self.day, 1)
        self.book(ready_card(self.main_office), slot=other)
        self.book(ready_card(self.main_office), slot=other)
        with self.assertRaises(SlotFullError):
            reservation_change(reservation=r, slot=other, by=self.operator, channel=PHONE)
        r.refresh_from_db()
        self.assertEqual(r.slot, self.slot)
        self.assertEqual(slot_counts_consistent(), [])

    def test_cancel_frees_the_places_and_the_card(self):
        card = ready_card(self.main_office)
        r = self.book(card)
        reservation_cancel(reservation=r, by=self.operator, channel=PHONE)
        r.refresh_from_db()
        self.slot.refresh_from_db()
        self.assertEqual(r.status, Reservation.Status.CANCELLED)
        self.assertEqual(self.slot.booked, 0)
        again = self.book(card)
        self.assertEqual(again.status, Reservation.Status.BOOKED)

    def test_a_cancelled_booking_cannot_be_cancelled_again(self):
        r = self.book(ready_card(self.main_office))
        reservation_cancel(reservation=r, by=self.operator, channel=PHONE)
        with self.assertRaisesMessage(BookingError, "取消"):
            reservation_cancel(reservation=r, by=self.operator, channel=PHONE)
        self.slot.refresh_from_db()
        self.assertEqual(self.slot.booked, 0)

    def test_the_web_cannot_change_after_the_deadline(self):
        # Rule: residents change or cancel on the web up to the day before; a booking for today is past that.
        slot = Slot.objects.create(
            office=self.main_office,
            date=timezone.localdate(),
            start=datetime.time(23, 0),
            end=datetime.time(23, 30),
            starts_at=timezone.now() + datetime.timedelta(minutes=5),
            capacity=4,
        )
        r = self.book(ready_card(self.main_office), slot=slot)
        with self.assertRaisesMessage(BookingError, "コールセンター"):
            reservation_cancel(reservation=r, by=None, channel=WEB)
        reservation_cancel(reservation=r, by=self.operator, channel=PHONE)

    def test_an_expired_hold_gives_its_places_back_to_the_next_booking(self):
        now = timezone.now()
        hold = reservation_book(
            cards=[ready_card(self.main_office), ready_card(self.main_office)],
            slot=self.slot,
            by=None,
            channel=WEB,
            hold=True,
            now=now,
        )
        with self.assertRaises(SlotFullError):
            self.book(ready_card(self.main_office), now=now + datetime.timedelta(minutes=1))
        later = now + datetime.timedelta(minutes=11)
        r = self.book(ready_card(self.main_office), now=later)
        hold.refresh_from_db()
        self.assertEqual(hold.status, Reservation.Status.EXPIRED)
        self.assertEqual(r.status, Reservation.Status.BOOKED)
        self.assertEqual(slot_counts_consistent(), [])

    def test_the_day_list_gives_the_booked_notice_numbers(self):
        a, b = ready_card(self.main_office), ready_card(self.main_office)
        self.book(a, b)
        cancelled = self.book(ready_card(self.main_office), slot=slot_on(self.main_office, self.day, 2))
        reservation_cancel(reservation=cancelled, by=self.operator, channel=PHONE)
        self.assertEqual(
            booked_notice_numbers(office=self.main_office, date=self.day),
            sorted([a.notice_number, b.notice_number]),
        )


class BranchLeadTimeTests(BaseTestCase):
    """A card collected at a branch must be pulled and shipped there first (MADOGUCHI_BRANCH_LEAD_DAYS, 2 days)."""

    def setUp(self):
        set_capacity(self.branch_office, 4)
        # Whatever day the tests run, the branch opens tomorrow (a special opening wins over weekends and holidays).
        self.tomorrow = timezone.localdate() + datetime.timedelta(days=1)
        SpecialDay.objects.create(
            date=self.tomorrow,
            office=self.branch_office,
            kind=SpecialDay.Kind.OTHER_OPENING,
            opens=datetime.time(8, 30),
            closes=datetime.time(17, 15),
            reason="テスト",
        )

    def test_it_refuses_a_branch_slot_sooner_than_the_shipping_time(self):
        card = ready_card(self.branch_office)
        with self.assertRaises(BookingError) as raised:
            reservation_book(
                cards=[card], slot=slot_on(self.branch_office, self.tomorrow), by=self.operator, channel=PHONE
            )
        self.assertIn("田主丸総合支所へ送付してからの受け取り", str(raised.exception))
        self.assertFalse(Reservation.objects.exists())

    def test_a_card_already_shipped_to_the_branch_may_be_collected_sooner(self):
        card = ready_card(self.branch_office, state=Card.State.SHIPPED)
        reservation_book(
            cards=[card], slot=slot_on(self.branch_office, self.tomorrow), by=self.operator, channel=PHONE
        )
        self.assertEqual(Reservation.objects.count(), 1)

    def test_a_change_into_a_too_early_branch_slot_is_refused(self):
        later = open_day(self.branch_office, ahead=5)
        card = ready_card(self.branch_office)
        booking = reservation_book(
            cards=[card], slot=slot_on(self.branch_office, later), by=self.operator, channel=PHONE
        )
        with self.assertRaises(BookingError):
            reservation_change(
                reservation=booking,
                slot=slot_on(self.branch_office, self.tomorrow),
                by=self.operator,
                channel=PHONE,
            )
        booking.refresh_from_db()
        self.assertEqual(booking.date, later)

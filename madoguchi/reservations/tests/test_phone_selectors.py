"""What the call screen's booking panel reads: cards with the reason they cannot be booked and what to tell the
caller, family members by birth date at the same address, a day's slots with letters fixed by time of day, and
the booking made by ids."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone

from madoguchi.accounts.models import AuditEvent
from madoguchi.accounts.testing import BaseTestCase
from madoguchi.cards.models import Card
from madoguchi.reservations.models import Reservation, Slot
from madoguchi.reservations.selectors import (
    phone_booking,
    phone_cards,
    phone_cards_find,
    phone_family_find,
    phone_slot_day,
    reservation_summary,
)
from madoguchi.reservations.services import (
    BookingError,
    phone_booking_cancel,
    phone_booking_change,
    phone_booking_make,
    reservation_book,
    slots_sync,
)

from .helpers import open_day, ready_card, set_capacity, slot_on

HOME = "福岡県久留米市御井町1-1"
BIRTH = datetime.date(1980, 5, 17)


class PhoneCardTests(BaseTestCase):
    def test_a_bookable_card_is_found_by_notice_number_and_birth_date(self):
        card = ready_card(self.main_office, birth_date=BIRTH)
        [found] = phone_cards_find(notice_number=card.notice_number.lower(), birth_date=BIRTH)
        self.assertEqual((found.card_id, found.bookable, found.reason), (card.pk, True, ""))
        self.assertEqual(found.office_name, "本庁")

    def test_a_wrong_birth_date_finds_nothing(self):
        card = ready_card(self.main_office, birth_date=BIRTH)
        self.assertEqual(
            phone_cards_find(notice_number=card.notice_number, birth_date=datetime.date(1980, 5, 18)), []
        )

    def test_each_card_that_cannot_be_booked_says_why_in_japanese_and_what_to_tell_the_caller(self):
        cases = {
            Card.State.ISSUED: "交付済み",
            Card.State.UNCLAIMED: "受取期限切れ",
            Card.State.RECEIVED: "準備中（交付前設定前）",
            Card.State.ON_HOLD: "確認中（保留）",
            Card.State.DESTROYED: "返納・廃棄済み",
        }
        for state, reason in cases.items():
            with self.subTest(state=state):
                card = ready_card(self.main_office, state=state)
                [found] = phone_cards([card.pk])
                self.assertFalse(found.bookable)
                self.assertEqual(found.reason, reason)
                self.assertTrue(found.tell.endswith("。"), found.tell)

    def test_a_card_already_booked_names_the_booking_to_change_instead(self):
        card = ready_card(self.main_office)
        set_capacity(self.main_office, 4)
        booked = reservation_book(
            cards=[card],
            slot=slot_on(self.main_office, open_day(self.main_office)),
            by=self.operator,
            channel="phone",
        )
        [found] = phone_cards([card.pk])
        self.assertEqual(
            (found.bookable, found.reason, found.booked_code), (False, "既に予約あり", booked.display_code)
        )
        self.assertIn(booked.display_code, found.tell)

    def test_a_card_past_its_holding_period_can_still_be_booked_with_a_word_for_the_caller(self):
        card = ready_card(
            self.main_office, holding_deadline=timezone.localdate() - datetime.timedelta(days=3)
        )
        [found] = phone_cards([card.pk])
        self.assertTrue(found.bookable)
        self.assertIn("保管期限", found.note)
        self.assertIn("まだお受け取りいただけます", found.note)


class FamilyTests(BaseTestCase):
    def setUp(self):
        self.mother = ready_card(self.main_office, birth_date=BIRTH, address=HOME)

    def test_a_family_member_is_found_by_birth_date_at_the_same_address(self):
        son = ready_card(
            self.main_office, birth_date=datetime.date(2014, 2, 3), address="福岡県久留米市御井町 1-1"
        )
        ready_card(self.main_office, birth_date=datetime.date(2014, 2, 3), address="福岡県久留米市城南町15-3")
        found = phone_family_find(card_ids=[self.mother.pk], birth_date=datetime.date(2014, 2, 3))
        self.assertEqual([c.card_id for c in found], [son.pk])

    def test_nobody_at_the_same_address_with_that_birth_date_finds_nothing(self):
        ready_card(self.main_office, birth_date=datetime.date(2014, 2, 3), address="福岡県久留米市城南町15-3")
        self.assertEqual(
            phone_family_find(card_ids=[self.mother.pk], birth_date=datetime.date(2014, 2, 3)), []
        )

    def test_a_card_that_arrived_long_before_is_not_looked_at(self):
        ready_card(
            self.main_office,
            birth_date=datetime.date(2014, 2, 3),
            address=HOME,
            arrived_on=self.mother.arrived_on - datetime.timedelta(days=200),
        )
        self.assertEqual(
            phone_family_find(card_ids=[self.mother.pk], birth_date=datetime.date(2014, 2, 3)), []
        )

    def test_twins_are_both_returned_so_the_screen_can_ask_for_the_notice_number(self):
        for _ in range(2):
            ready_card(self.main_office, birth_date=datetime.date(2016, 1, 1), address=HOME)
        self.assertEqual(
            len(phone_family_find(card_ids=[self.mother.pk], birth_date=datetime.date(2016, 1, 1))), 2
        )

    def test_a_child_whose_address_was_corrected_is_found_at_the_new_address_only(self):
        from madoguchi.cards.services import card_correct

        child = ready_card(self.main_office, birth_date=datetime.date(2018, 5, 6), address="久留米市どこか1")
        born = datetime.date(2018, 5, 6)
        self.assertEqual(phone_family_find(card_ids=[self.mother.pk], birth_date=born), [])
        card_correct(card=child, by=self.back_office, reason="転記誤り", address="福岡県久留米市御井町１－１")
        self.assertEqual(
            [c.card_id for c in phone_family_find(card_ids=[self.mother.pk], birth_date=born)], [child.pk]
        )


class SlotDayTests(BaseTestCase):
    def setUp(self):
        set_capacity(self.main_office, 4)
        self.day = open_day(self.main_office, ahead=2)
        slots_sync(office=self.main_office, start=self.day, end=self.day + datetime.timedelta(days=14))
        Slot.objects.filter(office=self.main_office, date__lt=self.day).update(is_open=False)
        self.slots = list(Slot.objects.filter(office=self.main_office, date=self.day).order_by("start"))

    def test_letters_follow_the_time_of_day_and_do_not_move_when_the_party_grows(self):
        Slot.objects.filter(pk=self.slots[0].pk).update(booked=3)
        one = phone_slot_day(office_id=self.main_office.pk, people=1, date=self.day)
        three = phone_slot_day(office_id=self.main_office.pk, people=3, date=self.day)
        assert one is not None and three is not None
        self.assertEqual([(s.key, s.slot_id) for s in one.slots], [(s.key, s.slot_id) for s in three.slots])
        self.assertEqual(one.slots[0].key, "a")
        self.assertTrue(one.slots[0].fits)
        self.assertFalse(three.slots[0].fits)
        self.assertTrue(three.slots[1].fits)

    def test_without_a_date_the_first_day_with_room_for_the_party_is_shown(self):
        Slot.objects.filter(office=self.main_office, date=self.day).update(booked=3)
        day = phone_slot_day(office_id=self.main_office.pk, people=2)
        assert day is not None
        self.assertGreater(day.date, self.day)
        self.assertEqual(day.previous, None)

    def test_no_day_with_room_gives_none(self):
        Slot.objects.filter(office=self.main_office).update(is_open=False)
        self.assertIsNone(phone_slot_day(office_id=self.main_office.pk, people=1))


class PhoneBookingTests(BaseTestCase):
    def setUp(self):
        set_capacity(self.main_office, 4)
        self.slot = slot_on(self.main_office, open_day(self.main_office))
        self.cards = [ready_card(self.main_office) for _ in range(3)]

    def test_the_cards_are_booked_by_id_by_phone_with_one_audit_row_for_the_booking(self):
        r = phone_booking_make(
            card_ids=[c.pk for c in self.cards],
            slot_id=self.slot.pk,
            by=self.operator,
            audit_detail={"call": 7},
        )
        self.assertEqual((r.party_size, r.channel, r.status), (3, "phone", "booked"))
        row = AuditEvent.objects.get(action=AuditEvent.Action.CREATE, object_type="reservations.reservation")
        self.assertEqual(row.detail["call"], 7)
        self.assertEqual(
            reservation_summary(r.code),
            f"{r.display_code}・{r.date:%Y年%-m月%-d日}"
            f"({'月火水木金土日'[r.date.weekday()]}) {self.slot.start:%H:%M}・3人",
        )

    def test_a_reminder_contact_without_consent_books_nothing(self):
        with self.assertRaises(ValidationError) as caught:
            phone_booking_make(
                card_ids=[self.cards[0].pk], slot_id=self.slot.pk, by=self.operator, email="hanako@example.jp"
            )
        self.assertIn("consent", caught.exception.message_dict)
        self.assertFalse(Reservation.objects.exists())

    def test_the_contact_given_with_consent_is_kept(self):
        r = phone_booking_make(
            card_ids=[self.cards[0].pk],
            slot_id=self.slot.pk,
            by=self.operator,
            mobile="090-1234-5678",
            consent=True,
        )
        r.refresh_from_db()
        self.assertEqual(r.reminder_mobile, "09012345678")
        self.assertIsNotNone(r.reminder_consent_at)

    def test_a_card_that_no_longer_exists_is_refused(self):
        with self.assertRaises(BookingError):
            phone_booking_make(card_ids=[999_999], slot_id=self.slot.pk, by=self.operator)

    def test_an_unknown_code_has_no_summary(self):
        self.assertIsNone(reservation_summary("ZZZ-999"))


class PhoneChangeAndCancelTests(BaseTestCase):
    def setUp(self):
        set_capacity(self.main_office, 4)
        day = open_day(self.main_office)
        self.first, self.second = slot_on(self.main_office, day, 0), slot_on(self.main_office, day, 1)
        self.r = reservation_book(
            cards=[ready_card(self.main_office), ready_card(self.main_office)],
            slot=self.first,
            by=self.operator,
            channel="phone",
        )

    def test_a_booking_is_read_by_its_display_code_as_changeable(self):
        found = phone_booking(self.r.display_code)
        assert found is not None
        self.assertEqual((found.people, found.slot_id, found.changeable), (2, self.first.pk, True))
        self.assertIsNone(phone_booking("ZZZ-999"))

    def test_a_change_by_code_moves_the_places_with_the_booking(self):
        phone_booking_change(code=self.r.display_code, slot_id=self.second.pk, by=self.operator)
        self.first.refresh_from_db()
        self.second.refresh_from_db()
        self.assertEqual((self.first.booked, self.second.booked), (0, 2))

    def test_a_cancel_by_code_gives_the_places_back_and_is_no_longer_changeable(self):
        phone_booking_cancel(code=self.r.display_code, by=self.operator)
        self.first.refresh_from_db()
        self.assertEqual(self.first.booked, 0)
        found = phone_booking(self.r.display_code)
        assert found is not None
        self.assertFalse(found.changeable)
        with self.assertRaises(BookingError):
            phone_booking_cancel(code=self.r.display_code, by=self.operator)

    def test_an_unknown_code_is_refused_in_japanese(self):
        with self.assertRaisesMessage(BookingError, "予約番号「ZZZ-999」の予約は見つかりません"):
            phone_booking_change(code="ZZZ-999", slot_id=self.second.pk, by=self.operator)

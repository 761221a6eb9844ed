"""Operator desk, reservation detail, counter actions: permissions and real behaviour."""

from __future__ import annotations

import datetime

from django.urls import reverse
from django.utils import timezone

from madoguchi.accounts.models import AuditEvent
from madoguchi.accounts.testing import BaseTestCase
from madoguchi.cards.models import Card

from ..models import Reservation, Slot
from ..services import reservation_book
from .helpers import open_day, ready_card, set_capacity, slot_on

BOOKERS = {"operator", "back_office", "floor", "site_manager"}
VIEWERS = BOOKERS | {"director", "city_staff"}
COUNTER = {"back_office", "floor", "site_manager"}
MANAGERS = {"site_manager", "director"}


class OperatorDeskTests(BaseTestCase):
    def setUp(self):
        set_capacity(self.main_office, 2)
        self.card = ready_card(self.main_office, birth_date=datetime.date(1980, 5, 17))

    def find(self, **data):
        return self.client.post(reverse("reservations:operator"), {"action": "find", **data})

    def test_only_booking_roles_open_the_desk(self):
        self.assert_role_matrix(reverse("reservations:operator"), BOOKERS)

    def test_it_finds_a_card_by_notice_number_and_a_japanese_birth_date(self):
        self.login(self.operator)
        response = self.find(notice_number=self.card.notice_number.lower(), birth_date="昭和55年5月17日")
        self.assertContains(response, self.card.notice_number)
        self.assertContains(response, "空き")
        self.assertTrue(
            AuditEvent.objects.filter(actor=self.operator, action=AuditEvent.Action.SEARCH).exists()
        )

    def test_a_wrong_birth_date_finds_nothing(self):
        self.login(self.operator)
        response = self.find(notice_number=self.card.notice_number, birth_date="1980/5/18")
        self.assertContains(response, "一致するカードがありません")
        self.assertEqual(self.client.session.get("reservations_basket", []), [])

    def test_it_refuses_an_individual_number_typed_in_the_search(self):
        self.login(self.operator)
        response = self.find(notice_number="1234 5678 9018", birth_date="1980/5/17")
        self.assertContains(response, "マイナンバー")

    def test_a_card_already_booked_tells_the_operator_to_change_or_cancel_that_booking(self):
        day = open_day(self.main_office)
        booked = reservation_book(
            cards=[self.card], slot=slot_on(self.main_office, day), by=self.operator, channel="phone"
        )
        self.login(self.operator)
        response = self.find(notice_number=self.card.notice_number, birth_date="1980/5/17")
        self.assertContains(response, booked.display_code)
        self.assertContains(response, "すでに予約のあるカードがあります")

    def test_a_card_not_yet_set_up_says_why_it_cannot_be_booked(self):
        card = ready_card(self.main_office, state=Card.State.RECEIVED, birth_date=datetime.date(1980, 5, 17))
        self.login(self.operator)
        response = self.find(notice_number=card.notice_number, birth_date="1980/5/17")
        self.assertContains(response, f"{card.notice_number}: まだ交付前設定が済んでいません")
        self.assertNotContains(response, "slot-button")

    def test_a_chosen_date_without_slots_says_why_and_a_bad_date_is_named(self):
        self.login(self.operator)
        self.find(notice_number=self.card.notice_number, birth_date="1980/5/17")
        response = self.client.get(reverse("reservations:operator"), {"date": "2020/1/6"})
        self.assertContains(response, "2020年1月6日(月)は予約の受付期間外です")
        response = self.client.get(reverse("reservations:operator"), {"date": "2026/13/1"})
        self.assertContains(response, "「2026/13/1」は日付として読めません")

    def test_it_finds_by_kana_and_birth_date(self):
        self.login(self.operator)
        response = self.find(kana="くるめ たろう", birth_date="1980-05-17")
        self.assertContains(response, self.card.notice_number)

    def test_the_operator_books_a_family_and_reads_back_the_code(self):
        second = ready_card(self.main_office, birth_date=datetime.date(2012, 1, 9))
        self.login(self.operator)
        self.find(notice_number=self.card.notice_number, birth_date="1980/5/17")
        self.find(notice_number=second.notice_number, birth_date="2012/1/9")
        day = open_day(self.main_office)
        slot = slot_on(self.main_office, day)
        response = self.client.post(reverse("reservations:operator"), {"action": "book", "slot": slot.pk})
        reservation = Reservation.objects.get()
        self.assertRedirects(response, reverse("reservations:detail", args=[reservation.code]))
        self.assertEqual(reservation.party_size, 2)
        page = self.client.get(response["Location"])
        self.assertContains(page, reservation.display_code)
        slot.refresh_from_db()
        self.assertEqual(slot.booked, 2)

    def test_a_card_not_set_up_shows_why_and_offers_no_slots(self):
        early = ready_card(self.main_office, state=Card.State.RECEIVED, birth_date=datetime.date(1990, 1, 1))
        self.login(self.operator)
        response = self.find(notice_number=early.notice_number, birth_date="1990/1/1")
        self.assertContains(response, "予約できません")
        self.assertNotContains(response, "slot-button")

    def test_a_tampered_slot_id_books_nothing(self):
        self.login(self.operator)
        self.find(notice_number=self.card.notice_number, birth_date="1980/5/17")
        response = self.client.post(
            reverse("reservations:operator"), {"action": "book", "slot": "999999"}, follow=True
        )
        self.assertContains(response, "見つかりません")
        self.assertFalse(Reservation.objects.exists())

    def test_a_tampered_pick_adds_no_card(self):
        other = ready_card(self.main_office)
        self.login(self.operator)
        self.client.post(reverse("reservations:operator"), {"action": "pick", "card": other.pk})
        self.assertEqual(self.client.session.get("reservations_basket", []), [])


class ReservationDetailTests(BaseTestCase):
    def setUp(self):
        set_capacity(self.main_office, 2)
        self.day = open_day(self.main_office)
        self.slot = slot_on(self.main_office, self.day)
        self.reservation = reservation_book(
            cards=[ready_card(self.main_office)], slot=self.slot, by=self.operator, channel="phone"
        )
        self.url = reverse("reservations:detail", args=[self.reservation.code])

    def test_every_staff_role_that_reads_reservations_opens_one(self):
        self.assert_role_matrix(self.url, VIEWERS)

    def test_a_code_that_does_not_exist_is_a_clear_404(self):
        self.login(self.operator)
        response = self.client.get(reverse("reservations:find_code"), {"code": "ZZZ-999"}, follow=True)
        self.assertContains(response, "見つかりません")

    def test_a_my_number_typed_as_a_code_is_named_as_such_and_an_empty_code_is_asked_for(self):
        self.login(self.operator)
        response = self.client.post(reverse("reservations:find_code"), {"code": "123456789018"}, follow=True)
        self.assertContains(response, "マイナンバー")
        desk = self.client.get(reverse("reservations:operator")).content.decode()
        self.assertRegex(desk, r'<form method="post" action="/reservations/code/"')
        response = self.client.get(reverse("reservations:find_code"), {"code": ""}, follow=True)
        self.assertContains(response, "予約番号: ")

    def test_the_code_is_found_with_or_without_the_hyphen(self):
        self.login(self.operator)
        response = self.client.get(
            reverse("reservations:find_code"), {"code": self.reservation.display_code.lower()}
        )
        self.assertRedirects(response, self.url)

    def test_the_operator_changes_the_slot(self):
        other = slot_on(self.main_office, self.day, 2)
        self.login(self.operator)
        response = self.client.post(
            reverse("reservations:change", args=[self.reservation.code]), {"slot": other.pk}
        )
        self.assertRedirects(response, self.url)
        self.reservation.refresh_from_db()
        self.assertEqual(self.reservation.slot, other)

    def test_the_operator_cancels(self):
        self.login(self.operator)
        self.client.post(
            reverse("reservations:cancel", args=[self.reservation.code]), {"note": "都合が悪くなった"}
        )
        self.reservation.refresh_from_db()
        self.assertEqual(self.reservation.status, Reservation.Status.CANCELLED)
        self.assertEqual(self.reservation.events.last().note, "都合が悪くなった")

    def test_cancel_and_change_are_refused_to_read_only_roles(self):
        self.assert_role_matrix(
            reverse("reservations:cancel", args=[self.reservation.code]),
            BOOKERS,
            method="post",
            ok_status=302,
        )

    def test_cancel_refuses_an_individual_number_in_the_reason(self):
        self.login(self.operator)
        response = self.client.post(
            reverse("reservations:cancel", args=[self.reservation.code]),
            {"note": "123456789018"},
            follow=True,
        )
        self.assertContains(response, "マイナンバー")
        self.reservation.refresh_from_db()
        self.assertEqual(self.reservation.status, Reservation.Status.BOOKED)

    def test_change_and_cancel_need_post(self):
        self.login(self.operator)
        self.assertEqual(
            self.client.get(reverse("reservations:cancel", args=[self.reservation.code])).status_code, 405
        )


class CounterTests(BaseTestCase):
    def setUp(self):
        self.card = ready_card(self.main_office, state=Card.State.PREPARED)
        # A slot earlier today, made directly: the calendar may be closed on the day the tests run.
        now = timezone.now()
        self.slot = Slot.objects.create(
            office=self.main_office,
            date=timezone.localdate(),
            start=datetime.time(0, 0),
            end=datetime.time(0, 30),
            starts_at=now + datetime.timedelta(seconds=1),
            capacity=4,
        )
        self.reservation = reservation_book(
            cards=[self.card], slot=self.slot, by=self.operator, channel="phone"
        )
        Slot.objects.filter(pk=self.slot.pk).update(starts_at=now - datetime.timedelta(minutes=5))

    def post(self, action):
        return self.client.post(reverse("reservations:counter", args=[self.reservation.code, action]))

    def test_only_counter_roles_record_arrivals(self):
        self.assert_role_matrix(
            reverse("reservations:counter", args=[self.reservation.code, "check_in"]),
            COUNTER,
            method="post",
            ok_status=302,
        )

    def test_check_in_then_issue_moves_the_card_to_issued_through_the_cards_app(self):
        self.login(self.back_office)
        self.post("check_in")
        self.reservation.refresh_from_db()
        self.assertEqual(self.reservation.status, Reservation.Status.CHECKED_IN)
        self.post("issue")
        self.reservation.refresh_from_db()
        self.card.refresh_from_db()
        self.assertEqual(self.reservation.status, Reservation.Status.ISSUED)
        self.assertEqual(self.card.state, Card.State.ISSUED)
        self.assertTrue(self.card.events.filter(to_state=Card.State.ISSUED, actor=self.back_office).exists())

    def test_issuing_a_card_that_was_not_pulled_changes_nothing(self):
        card = ready_card(self.main_office)  # notice mailed, not prepared
        other = reservation_book(
            cards=[card],
            slot=Slot.objects.create(
                office=self.main_office,
                date=timezone.localdate(),
                start=datetime.time(0, 30),
                end=datetime.time(1, 0),
                starts_at=timezone.now() + datetime.timedelta(seconds=1),
                capacity=4,
            ),
            by=self.operator,
            channel="phone",
        )
        self.login(self.back_office)
        response = self.client.post(reverse("reservations:counter", args=[other.code, "issue"]), follow=True)
        self.assertContains(response, "まだ当日準備（取り出し）されていません")
        other.refresh_from_db()
        card.refresh_from_db()
        self.assertEqual((other.status, card.state), (Reservation.Status.BOOKED, Card.State.NOTICE_MAILED))

    def test_no_show_is_recorded_by_a_person_and_frees_the_card(self):
        self.login(self.floor)
        self.post("no_show")
        self.reservation.refresh_from_db()
        self.assertEqual(self.reservation.status, Reservation.Status.NO_SHOW)
        self.assertFalse(self.reservation.card_links.filter(is_active=True).exists())

    def test_an_unknown_counter_action_is_404(self):
        self.login(self.floor)
        self.assertEqual(self.post("explode").status_code, 404)

"""The booking panel inside the call screen: cards that cannot be booked stay out of the list with their reason,
a family is added by birth date, a slot is chosen then confirmed (a double-clicked confirm books once), and the
call logged afterwards carries the booking without any code typed."""

from __future__ import annotations

import datetime
import re

from django.utils import timezone

from madoguchi.accounts.models import AuditEvent
from madoguchi.accounts.testing import BaseTestCase
from madoguchi.calls.models import Call
from madoguchi.cards.models import Card
from madoguchi.reservations.models import Reservation, Slot
from madoguchi.reservations.tests.helpers import open_day, ready_card, set_capacity, slot_on

URL = "/calls/take/booking/"
HOME = "福岡県久留米市御井町1-1"


class BookingPanelTests(BaseTestCase):
    def setUp(self):
        self.login(self.operator)
        set_capacity(self.main_office, 4)
        self.day = open_day(self.main_office, ahead=2)
        self.slot = slot_on(self.main_office, self.day, 1)
        Slot.objects.filter(office=self.main_office, date__lt=self.day).update(is_open=False)
        self.mother = ready_card(self.main_office, birth_date=datetime.date(1980, 5, 17), address=HOME)
        self.son = ready_card(self.main_office, birth_date=datetime.date(2014, 2, 3), address=HOME)
        page = self.client.get("/calls/take/")
        self.key = re.search(r'name="booking_key" value="([^"]+)"', page.content.decode()).group(1)

    def post(self, action, **data):
        return self.client.post(URL, {"booking_key": self.key, "action": action, **data})

    def find_mother(self):
        return self.post("find", notice_number=self.mother.notice_number, birth_date="S55.5.17")

    def choose(self):
        page = self.post("choose", slot=self.slot.pk).content.decode()
        return re.search(r'name="token" value="([^"]+)"', page).group(1)

    def test_the_call_screen_shows_the_panel_to_an_operator_who_may_book(self):
        page = self.client.get("/calls/take/").content.decode()
        self.assertIn('id="booking-panel"', page)
        self.assertIn('data-shortcut="alt+y"', page)

    def test_the_caller_and_a_family_member_by_birth_date_go_into_the_list(self):
        self.assertContains(self.find_mother(), self.mother.notice_number)
        page = self.post("family", family_birth_date="H26.2.3")
        self.assertContains(page, "予約するカード（2人・本庁）")
        self.assertContains(page, self.son.notice_number)

    def test_a_card_not_found_is_explained_as_not_arrived_or_mistyped(self):
        page = self.post("find", notice_number="KRM999999", birth_date="S55.5.17")
        self.assertContains(page, "見つかりません（未到着または入力違い）")
        self.assertContains(page, "お伝えすること")
        self.assertNotContains(page, "予約するカード")

    def test_an_issued_card_stays_out_of_the_list_with_its_reason(self):
        Card.objects.filter(pk=self.mother.pk).update(state=Card.State.ISSUED)
        page = self.find_mother()
        self.assertContains(page, "は予約できません: 交付済み")
        self.assertNotContains(page, "予約するカード")
        # The caller is identified all the same: the son can be added by birth date.
        self.assertContains(self.post("family", family_birth_date="2014/2/3"), "予約するカード（1人・本庁）")

    def test_a_card_already_booked_links_its_booking_for_a_change(self):
        from madoguchi.reservations.services import reservation_book

        booked = reservation_book(cards=[self.mother], slot=self.slot, by=self.operator, channel="phone")
        page = self.find_mother()
        self.assertContains(page, "は予約できません: 既に予約あり")
        self.assertContains(page, f'href="/reservations/r/{booked.code}/"')

    def test_a_family_member_needs_a_card_found_by_notice_number_first(self):
        self.assertContains(self.post("family", family_birth_date="H26.2.3"), "先に、お電話の方のカードを")

    def test_an_unreadable_birth_date_names_the_field(self):
        self.assertContains(
            self.post("find", notice_number=self.mother.notice_number, birth_date="5月"), "生年月日:"
        )

    def test_an_individual_number_in_the_search_is_refused(self):
        page = self.post("find", notice_number="1234 5678 9018", birth_date="S55.5.17")
        self.assertContains(page, "個人番号（マイナンバー）は入力しないでください")

    def test_choosing_reads_back_and_only_confirming_books(self):
        self.find_mother()
        self.post("family", family_birth_date="H26.2.3")
        page = self.post("choose", slot=self.slot.pk)
        self.assertContains(page, f"{self.slot.start:%-H:%M}〜")
        self.assertContains(page, "2人")
        self.assertFalse(Reservation.objects.exists())

    def test_a_double_clicked_confirm_books_once(self):
        self.find_mother()
        token = self.choose()
        first = self.post("confirm", slot=self.slot.pk, token=token)
        second = self.post("confirm", slot=self.slot.pk, token=token)
        code = Reservation.objects.get().display_code
        self.assertContains(first, code)
        self.assertContains(second, code)
        self.assertNotContains(second, "error-summary")
        self.assertEqual(Reservation.objects.count(), 1)

    def test_a_confirm_for_another_slot_than_the_one_read_back_is_refused(self):
        self.find_mother()
        token = self.choose()
        other = slot_on(self.main_office, self.day, 2)
        page = self.post("confirm", slot=other.pk, token=token)
        self.assertContains(page, "選んだ枠が変わっています")
        self.assertFalse(Reservation.objects.exists())

    def test_a_full_slot_cannot_be_chosen(self):
        self.find_mother()
        Slot.objects.filter(pk=self.slot.pk).update(booked=4)
        self.assertContains(self.post("choose", slot=self.slot.pk), "その枠は選べません")

    def test_the_call_logged_after_booking_carries_the_code_the_outcome_and_the_category(self):
        self.find_mother()
        token = self.choose()
        self.post("confirm", slot=self.slot.pk, token=token)
        reservation = Reservation.objects.get()
        started = timezone.now() - datetime.timedelta(seconds=80)
        response = self.client.post(
            "/calls/take/",
            {"started_at": started.isoformat(), "line": "2", "direction": "inbound", "booking_key": self.key},
        )
        self.assertEqual(response.status_code, 302)
        call = Call.objects.get()
        self.assertEqual((call.outcome, call.reservation_ref), ("booked", reservation.display_code))
        self.assertEqual(call.category, "reservation")
        # The next call on this screen starts with an empty panel.
        page = self.client.get("/calls/take/").content.decode()
        self.assertNotIn(reservation.display_code, page.split('id="booking-panel"')[1].split("</section>")[0])

    def test_another_screens_key_sees_nothing_of_this_calls_cards(self):
        self.find_mother()
        page = self.client.post(URL, {"booking_key": "another-call", "action": "day"})
        self.assertNotContains(page, self.mother.notice_number)

    def test_searches_and_showing_the_cards_are_audited(self):
        self.find_mother()
        self.assertTrue(
            AuditEvent.objects.filter(action=AuditEvent.Action.SEARCH, detail__screen="calls.take").exists()
        )
        self.assertTrue(
            AuditEvent.objects.filter(
                action=AuditEvent.Action.VIEW, detail__screen="calls.take.booking"
            ).exists()
        )

    def test_only_those_who_take_calls_and_may_book_use_the_panel(self):
        for persona in (self.back_office, self.floor, self.city_staff):
            self.login(persona)
            self.assertEqual(self.post("day").status_code, 403)


class ChangeAndCancelInTheCallTests(BaseTestCase):
    """A caller whose card is already booked: the booking is changed or cancelled in the same pane."""

    def setUp(self):
        from madoguchi.reservations.services import reservation_book

        self.login(self.operator)
        set_capacity(self.main_office, 4)
        self.day = open_day(self.main_office, ahead=2)
        self.slot = slot_on(self.main_office, self.day, 1)
        self.other = slot_on(self.main_office, self.day, 3)
        Slot.objects.filter(office=self.main_office, date__lt=self.day).update(is_open=False)
        self.mother = ready_card(self.main_office, birth_date=datetime.date(1980, 5, 17), address=HOME)
        self.booked = reservation_book(cards=[self.mother], slot=self.slot, by=self.operator, channel="phone")
        page = self.client.get("/calls/take/")
        self.key = re.search(r'name="booking_key" value="([^"]+)"', page.content.decode()).group(1)
        self.client.post(
            URL,
            {
                "booking_key": self.key,
                "action": "find",
                "notice_number": self.mother.notice_number,
                "birth_date": "S55.5.17",
            },
        )

    def post(self, action, **data):
        return self.client.post(URL, {"booking_key": self.key, "action": action, **data})

    def test_the_booking_moves_to_the_slot_read_back_and_the_call_gets_its_code(self):
        page = self.post("manage", code=self.booked.display_code).content.decode()
        self.assertIn("の変更・取消", page)
        # The booking's own slot is not a choice.
        self.assertRegex(page, rf'value="{self.slot.pk}"[^>]*disabled')
        page = self.post("choose", slot=self.other.pk).content.decode()
        self.assertIn("に変更します", page)
        token = re.search(r'name="token" value="([^"]+)"', page).group(1)
        done = self.post("confirm", slot=self.other.pk, token=token)
        self.assertContains(done, "予約の日時を変更しました")
        self.booked.refresh_from_db()
        self.assertEqual(self.booked.slot_id, self.other.pk)
        self.assertContains(done, f'data-booked-codes="{self.booked.display_code}"')

    def test_the_booking_is_cancelled_after_the_read_back_once_even_when_confirmed_twice(self):
        self.post("manage", code=self.booked.display_code)
        page = self.post("cancel_ask").content.decode()
        self.assertIn("を取り消します", page)
        token = re.search(r'name="token" value="([^"]+)"', page).group(1)
        self.assertContains(self.post("confirm", token=token), "予約を取り消しました")
        self.assertNotContains(self.post("confirm", token=token), "error-summary")
        self.booked.refresh_from_db()
        self.assertEqual(self.booked.status, Reservation.Status.CANCELLED)
        self.assertEqual(
            AuditEvent.objects.filter(object_id=str(self.booked.pk), detail__to="cancelled").count(), 1
        )

    def test_a_booking_not_found_in_this_call_cannot_be_managed_by_its_code(self):
        from madoguchi.reservations.services import reservation_book

        stranger = reservation_book(
            cards=[ready_card(self.main_office)], slot=self.other, by=self.operator, channel="phone"
        )
        self.assertContains(
            self.post("manage", code=stranger.display_code), "カードを探して表示された予約から"
        )

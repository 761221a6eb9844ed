from __future__ import annotations

import datetime

from django.urls import reverse
from django.utils import timezone

from madoguchi.accounts.testing import BaseTestCase

from ..models import Card, MynaAssistRecord
from .factories import events_of, make_card

S = Card.State


class HoldingTests(BaseTestCase):
    def test_lists_cards_near_and_past_the_deadline(self) -> None:
        today = timezone.localdate()
        near = make_card(
            self.main_office, state=S.NOTICE_MAILED, holding_deadline=today + datetime.timedelta(days=5)
        )
        past = make_card(
            self.main_office, state=S.REMINDER_SENT, holding_deadline=today - datetime.timedelta(days=1)
        )
        make_card(self.main_office, state=S.ISSUED, holding_deadline=today - datetime.timedelta(days=1))
        self.assertEqual(list(Card.objects.nearing_holding(today)), [near])
        self.assertEqual(list(Card.objects.past_holding(today)), [past])
        self.login(self.city_staff)
        page = self.client.get(reverse("cards:holding")).content.decode()
        self.assertIn(near.notice_number, page)
        self.assertIn("期限切れ 1枚", page)

    def test_a_card_booked_for_pickup_is_not_closed_as_unclaimed_on_either_screen(self) -> None:
        from madoguchi.reservations.services import reservation_book
        from madoguchi.reservations.tests.helpers import open_day, set_capacity, slot_on

        today = timezone.localdate()
        card = make_card(
            self.main_office, state=S.REMINDER_SENT, holding_deadline=today - datetime.timedelta(days=1)
        )
        other = make_card(
            self.main_office, state=S.REMINDER_SENT, holding_deadline=today - datetime.timedelta(days=1)
        )
        set_capacity(self.main_office, 2)
        booking = reservation_book(
            cards=[card],
            slot=slot_on(self.main_office, open_day(self.main_office)),
            by=self.operator,
            channel="phone",
        )
        self.login(self.back_office)
        response = self.client.post(
            reverse("cards:holding"), {"card": [card.pk, other.pk], "action": S.UNCLAIMED, "note": "期限切れ"}
        )
        self.assertContains(response, f"{card.notice_number}（予約 {booking.display_code}")
        card.refresh_from_db()
        other.refresh_from_db()
        self.assertEqual((card.state, other.state), (S.REMINDER_SENT, S.REMINDER_SENT))
        one = self.client.post(
            reverse("cards:detail", args=[card.pk]), {"to_state": S.UNCLAIMED, "note": "期限切れ"}
        )
        self.assertContains(one, f"{card.notice_number}（予約 {booking.display_code}")
        card.refresh_from_db()
        self.assertEqual(card.state, S.REMINDER_SENT)

    def test_destroying_needs_a_reason_and_is_all_or_nothing(self) -> None:
        a = make_card(self.main_office, state=S.UNCLAIMED)
        b = make_card(self.main_office, state=S.NOTICE_MAILED)
        self.login(self.back_office)
        response = self.client.post(
            reverse("cards:holding"), {"action": "destroyed", "note": "", "card": [a.pk]}
        )
        self.assertContains(response, "理由")
        response = self.client.post(
            reverse("cards:holding"), {"action": "destroyed", "note": "保管期限経過", "card": [a.pk, b.pk]}
        )
        self.assertContains(response, "どのカードも変更していません")
        a.refresh_from_db()
        self.assertEqual(a.state, S.UNCLAIMED)
        response = self.client.post(
            reverse("cards:holding"), {"action": "destroyed", "note": "保管期限経過", "card": [a.pk]}
        )
        self.assertRedirects(response, reverse("cards:holding"))
        self.assertEqual(events_of(a)[-1], (S.UNCLAIMED, S.DESTROYED))


class MynaAssistTests(BaseTestCase):
    def test_floor_staff_record_and_find_an_assisted_application(self) -> None:
        card = make_card(self.main_office)
        self.login(self.floor)
        response = self.client.post(
            reverse("cards:assist_list"),
            {
                "applicant_name": "筑後 花子",
                "received_on": "令和8年4月3日",
                "notice_number": card.notice_number.lower(),
            },
        )
        self.assertRedirects(response, reverse("cards:assist_list"))
        record = MynaAssistRecord.objects.get()
        self.assertEqual((record.received_on, record.card), (datetime.date(2026, 4, 3), card))
        card.refresh_from_db()
        self.assertTrue(card.myna_assist)
        search = {"action": "search", "name": "筑後花子", "date_from": "", "date_to": ""}
        found = self.client.post(reverse("cards:assist_list"), search, follow=True).content.decode()
        self.assertIn("筑後 花子", found)
        search["name"] = "筑後 次郎"
        none = self.client.post(reverse("cards:assist_list"), search, follow=True).content.decode()
        self.assertIn("記録はありません", none)

    def test_the_name_search_never_puts_the_name_in_a_url(self) -> None:
        MynaAssistRecord.objects.create(applicant_name="久留米 一郎", received_on=datetime.date(2026, 4, 1))
        MynaAssistRecord.objects.create(applicant_name="筑後 二郎", received_on=datetime.date(2026, 4, 2))
        self.login(self.back_office)
        page = self.client.get(reverse("cards:assist_list")).content.decode()
        self.assertIn('<form method="post"><input type="hidden" name="csrfmiddlewaretoken"', page)
        response = self.client.post(reverse("cards:assist_list"), {"action": "search", "name": "久留米 一郎"})
        self.assertRedirects(response, reverse("cards:assist_list"))  # no query string
        listed = self.client.get(reverse("cards:assist_list")).content.decode()
        self.assertIn("久留米 一郎", listed)
        self.assertNotIn("筑後 二郎", listed)
        exported = self.client.get(reverse("cards:assist_export")).content.decode("utf-8-sig")
        self.assertIn("久留米 一郎", exported)
        self.assertNotIn("筑後 二郎", exported)

    def test_an_individual_number_in_the_note_is_refused(self) -> None:
        self.login(self.floor)
        response = self.client.post(
            reverse("cards:assist_list"),
            {"applicant_name": "筑後 花子", "received_on": "2026/4/3", "note": "1234-5678-9018"},
        )
        self.assertContains(response, "マイナンバー")
        self.assertFalse(MynaAssistRecord.objects.exists())

    def test_an_individual_number_in_the_notice_number_field_is_refused_and_not_echoed(self) -> None:
        self.login(self.floor)
        response = self.client.post(
            reverse("cards:assist_list"),
            {"applicant_name": "筑後 花子", "received_on": "2026/4/3", "notice_number": "123456789018"},
        )
        self.assertContains(response, "マイナンバー")
        self.assertNotContains(response, "123456789018 のカードはありません")
        self.assertFalse(MynaAssistRecord.objects.exists())

    def test_the_export_is_a_cp932_csv(self) -> None:
        MynaAssistRecord.objects.create(applicant_name="久留米 一郎", received_on=datetime.date(2026, 4, 1))
        self.login(self.back_office)
        response = self.client.get(reverse("cards:assist_export"), {"encoding": "cp932"})
        self.assertIn("久留米 一郎", response.content.decode("cp932"))


class MynaAssistExportEncodingTests(BaseTestCase):
    def test_a_name_outside_shift_jis_is_refused_with_a_message_instead_of_an_error(self) -> None:
        MynaAssistRecord.objects.create(applicant_name="𠮷田 太郎", received_on=datetime.date(2026, 4, 1))
        self.login(self.back_office)
        response = self.client.get(reverse("cards:assist_export"), {"encoding": "cp932"}, follow=True)
        self.assertContains(response, "Shift_JIS にない文字（𠮷）")
        utf8 = self.client.get(reverse("cards:assist_export"))
        self.assertIn("𠮷田 太郎", utf8.content.decode("utf-8-sig"))


class NeverCutTests(BaseTestCase):
    def test_the_holding_page_counts_every_card_past_its_deadline_and_pages_through_them(self) -> None:
        today = timezone.localdate()
        for _ in range(105):
            make_card(
                self.main_office, state=S.REMINDER_SENT, holding_deadline=today - datetime.timedelta(days=2)
            )
        self.login(self.back_office)
        page = self.client.get(reverse("cards:holding")).content.decode()
        self.assertIn("期限切れ 105枚", page)
        self.assertIn("105件中 1–100件", page)
        second = self.client.get(reverse("cards:holding"), {"page_past": 2}).content.decode()
        self.assertIn("105件中 101–105件", second)

"""The booking detail page: the operator changes or removes the reminder contact (e-mail, mobile for SMS) the
caller gives, with their consent, through `reservation_set_contact` — one audit row naming the fields, never the
values — and the mobile number is masked for those without full contact access."""

from __future__ import annotations

from madoguchi.accounts.models import AuditEvent
from madoguchi.accounts.testing import BaseTestCase
from madoguchi.reservations.models import Reservation, ReservationEvent
from madoguchi.reservations.services import reservation_book, reservation_cancel

from .helpers import open_day, ready_card, set_capacity, slot_on


class ContactChangeTests(BaseTestCase):
    def setUp(self):
        set_capacity(self.main_office, 4)
        self.r = reservation_book(
            cards=[ready_card(self.main_office)],
            slot=slot_on(self.main_office, open_day(self.main_office)),
            by=self.operator,
            channel="phone",
        )
        self.url = f"/reservations/r/{self.r.code}/contact/"
        self.login(self.operator)

    def test_a_new_mobile_number_with_consent_is_kept_and_audited_without_the_value(self):
        response = self.client.post(self.url, {"mobile": "090-1234-5678", "consent": "1"}, follow=True)
        self.assertContains(response, "お知らせの連絡先を変更しました。")
        self.r.refresh_from_db()
        self.assertEqual((self.r.reminder_mobile, self.r.email), ("09012345678", ""))
        self.assertIsNotNone(self.r.reminder_consent_at)
        row = AuditEvent.objects.filter(action=AuditEvent.Action.UPDATE, object_id=str(self.r.pk)).latest(
            "pk"
        )
        self.assertEqual(row.detail, {"reminder_contact": ["mobile"]})
        self.assertNotIn("5678", str(row.detail))
        self.assertTrue(ReservationEvent.objects.filter(reservation=self.r, note__contains="SMS").exists())

    def test_the_operator_sees_the_mobile_number_masked_on_the_page(self):
        self.client.post(self.url, {"mobile": "090-1234-5678", "consent": "1"})
        page = self.client.get(f"/reservations/r/{self.r.code}/").content.decode()
        self.assertIn("090****5678", page)
        self.assertNotIn("09012345678", page)

    def test_without_consent_nothing_changes_and_the_field_is_named(self):
        response = self.client.post(self.url, {"email": "hanako@example.jp"}, follow=True)
        self.assertContains(response, "同意:")
        self.r.refresh_from_db()
        self.assertEqual(self.r.email, "")

    def test_a_bad_address_or_number_is_named(self):
        response = self.client.post(
            self.url, {"email": "hanako@", "mobile": "0942-30-9000", "consent": "1"}, follow=True
        )
        self.assertContains(response, "メールアドレス: メールアドレスは「name@example.jp」の形で")
        self.assertContains(response, "携帯電話番号: 携帯電話番号は 070・080・090 で始まる11桁")

    def test_an_empty_form_changes_nothing_and_the_remove_button_clears_the_contact(self):
        self.client.post(self.url, {"email": "hanako@example.jp", "consent": "1"})
        response = self.client.post(self.url, {}, follow=True)
        self.assertContains(response, "メールアドレスか携帯電話番号を入力してください")
        self.r.refresh_from_db()
        self.assertEqual(self.r.email, "hanako@example.jp")
        self.client.post(self.url, {"remove": "1"})
        self.r.refresh_from_db()
        self.assertEqual((self.r.email, self.r.reminder_mobile, self.r.reminder_consent_at), ("", "", None))

    def test_a_cancelled_booking_keeps_its_contact(self):
        reservation_cancel(reservation=self.r, by=self.operator, channel="phone")
        response = self.client.post(self.url, {"email": "hanako@example.jp", "consent": "1"}, follow=True)
        self.assertContains(response, "連絡先を変更できません")
        self.assertEqual(Reservation.objects.get(pk=self.r.pk).email, "")

    def test_only_those_who_book_change_a_contact(self):
        self.assert_role_matrix(
            self.url,
            {"operator", "back_office", "floor", "site_manager"},
            method="post",
            data={"email": "a@example.jp", "consent": "1"},
            ok_status=302,
        )

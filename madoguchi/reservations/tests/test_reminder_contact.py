"""Phone bookings take an e-mail address or a mobile number for the reminder, with the caller's consent; the
reminder goes by SMS through the gateway backend when only a mobile number was given."""

from __future__ import annotations

from unittest import mock

from django.core import mail
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from madoguchi.accounts.models import AuditEvent
from madoguchi.accounts.testing import BaseTestCase
from madoguchi.lib import sms

from ..services import reminder_contact_clean, reminders_send, reservation_book, reservation_set_contact
from .helpers import open_day, ready_card, slot_on


class ReminderContactTests(BaseTestCase):
    def setUp(self):
        sms.outbox.clear()
        self.day = open_day(self.main_office)
        self.slot = slot_on(self.main_office, self.day)
        self.booking = reservation_book(
            cards=[ready_card(self.main_office)], slot=self.slot, by=self.operator, channel="phone"
        )

    def test_a_mobile_number_given_with_consent_gets_the_reminder_by_sms_once(self):
        reservation_set_contact(
            reservation=self.booking, by=self.operator, mobile="090-1234-5678", consent=True
        )
        self.booking.refresh_from_db()
        self.assertEqual(self.booking.reminder_mobile, "09012345678")
        self.assertIsNotNone(self.booking.reminder_consent_at)
        self.assertEqual(reminders_send(day=self.day), (1, 0))
        self.assertEqual(reminders_send(day=self.day), (0, 0))
        self.assertEqual([m.to for m in sms.outbox], ["09012345678"])
        self.assertIn(self.booking.display_code, sms.outbox[0].body)
        self.assertEqual(mail.outbox, [])
        audit = AuditEvent.objects.filter(object_type="reservations.reservation", action="update").last()
        self.assertEqual(audit.detail["reminder_contact"], ["mobile"])
        self.assertNotIn("5678", str(audit.detail))

    def test_an_email_address_wins_over_the_mobile_number(self):
        reservation_set_contact(
            reservation=self.booking,
            by=self.operator,
            email="k@example.jp",
            mobile="09012345678",
            consent=True,
        )
        self.assertEqual(reminders_send(day=self.day), (1, 0))
        self.assertEqual([m.to for m in mail.outbox], [["k@example.jp"]])
        self.assertEqual(sms.outbox, [])

    def test_no_consent_no_contact_and_bad_numbers_are_refused_with_what_to_do(self):
        with self.assertRaises(ValidationError) as ctx:
            reminder_contact_clean(mobile="090-1234-5678", consent=False)
        self.assertIn("同意を得た", ctx.exception.message_dict["consent"][0])
        with self.assertRaises(ValidationError) as ctx:
            reminder_contact_clean(mobile="0942-30-0000", email="not-an-address", consent=True)
        self.assertIn("070・080・090 で始まる11桁", ctx.exception.message_dict["mobile"][0])
        self.assertIn("name@example.jp", ctx.exception.message_dict["email"][0])
        self.assertEqual(reminder_contact_clean(consent=False), ("", ""))

    def test_a_gateway_failure_is_retried_on_the_next_run(self):
        reservation_set_contact(
            reservation=self.booking, by=self.operator, mobile="08011112222", consent=True
        )
        with mock.patch.object(sms.LocmemBackend, "send", side_effect=sms.SmsError("gateway down")):
            self.assertEqual(reminders_send(day=self.day), (0, 1))
        self.assertEqual(reminders_send(day=self.day), (1, 0))

    def test_the_operator_desk_books_with_a_mobile_number_and_refuses_one_without_consent(self):
        from madoguchi.reservations.models import Reservation

        self.client.force_login(self.operator)
        card = ready_card(self.main_office)
        session = self.client.session
        session["reservations_basket"] = [card.pk]
        session.save()
        before = Reservation.objects.count()
        response = self.client.post(
            "/reservations/",
            {"action": "book", "slot": self.slot.pk, "reminder_mobile": "090-8888-7777"},
            follow=True,
        )
        self.assertContains(response, "お知らせの連絡先: お知らせの連絡に使うことへの同意")
        self.assertEqual(Reservation.objects.count(), before)
        response = self.client.post(
            "/reservations/",
            {
                "action": "book",
                "slot": self.slot.pk,
                "reminder_mobile": "090-8888-7777",
                "reminder_consent": "1",
            },
            follow=True,
        )
        self.assertContains(response, "前日にSMSでお知らせします。")
        self.assertEqual(Reservation.objects.latest("pk").reminder_mobile, "09088887777")


@given(digits=st.text(alphabet="0123456789", min_size=11, max_size=11))
def test_only_japanese_mobile_numbers_are_taken(digits):
    expected = digits if digits[:3] in ("070", "080", "090") else ""
    assert sms.normalize_mobile(digits) == expected
    assert sms.normalize_mobile(f"{digits[:3]}-{digits[3:7]}-{digits[7:]}") == expected

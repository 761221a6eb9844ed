"""Residents book a certificate renewal (and other types) on the web; the e-mail is confirmed before it is final."""

from __future__ import annotations

import datetime
import re

from django.core import mail
from django.urls import reverse

from madoguchi.accounts.testing import BaseTestCase

from ..models import Reservation
from ..services import appointment_type_get, holds_release
from .helpers import open_day, set_capacity, slot_on


class PublicApplyTests(BaseTestCase):
    def setUp(self):
        set_capacity(self.main_office, 2)
        self.day = open_day(self.main_office)
        self.slot = slot_on(self.main_office, self.day)
        for i in range(1, 4):
            slot_on(self.main_office, self.day, i)
        self.url = reverse("reservations:public_apply")
        self.renewal = appointment_type_get("certificate")

    def form(self, **extra):
        return {
            "type": "certificate",
            "name": "久留米 太郎",
            "birth_date": "1960/4/1",
            "phone": "0942-30-9000",
            "people": "1",
            "email": "taro@example.jp",
            "office": str(self.main_office.pk),
            **extra,
        }

    def test_the_page_lists_the_types_residents_may_book_without_login(self):
        response = self.client.get(self.url)
        self.assertContains(response, "電子証明書の更新・再発行")
        self.assertNotContains(response, "?type=pickup")

    def test_an_unknown_type_says_so(self):
        response = self.client.get(self.url, {"type": "nope"})
        self.assertContains(response, "「nope」はありません", status_code=400)

    def test_a_resident_books_a_renewal_through_the_calendar_and_confirms_the_email(self):
        page = self.client.get(self.url, {"type": "certificate"})
        self.assertContains(page, "有効期限通知書（届いた方）")  # 持ち物
        calendar = self.client.post(self.url, self.form())
        self.assertContains(calendar, f'value="{self.day:%Y-%m-%d}"')
        self.assertContains(calendar, "○")
        times = self.client.post(self.url, self.form(day=self.day.isoformat()))
        self.assertContains(times, f'value="{self.slot.pk}"')
        sent = self.client.post(self.url, self.form(day=self.day.isoformat(), slot=str(self.slot.pk)))
        self.assertContains(sent, "まだ確定していません")
        r = Reservation.objects.get()
        self.assertEqual(r.status, Reservation.Status.HELD)  # not final before the e-mail is confirmed
        self.assertEqual(len(mail.outbox), 1)
        link = re.search(r"http://testserver(/reservations/web/verify/[^\s]+/)", mail.outbox[0].body).group(1)
        self.assertNotIn("太郎", link)
        self.client.get(link)
        r.refresh_from_db()
        self.assertEqual(r.status, Reservation.Status.HELD)  # a GET (mail scanner) confirms nothing
        done = self.client.post(link)
        self.assertContains(done, "予約が確定しました")
        r.refresh_from_db()
        self.assertEqual(r.status, Reservation.Status.BOOKED)
        confirmation = mail.outbox[-1]
        self.assertIn("持ち物", confirmation.body)
        name, content, mimetype = confirmation.attachments[0]
        self.assertEqual(mimetype, "text/calendar")
        text = content if isinstance(content, str) else content.decode()
        self.assertIn("BEGIN:VEVENT", text)
        self.assertIn(r.display_code, text)
        self.assertNotIn("太郎", text)

    def test_an_unconfirmed_hold_expires_and_its_link_then_refuses(self):
        self.client.post(self.url, self.form(day=self.day.isoformat(), slot=str(self.slot.pk)))
        r = Reservation.objects.get()
        link = re.search(r"http://testserver(/reservations/web/verify/[^\s]+/)", mail.outbox[0].body).group(1)
        self.assertEqual(holds_release(now=r.hold_expires_at + datetime.timedelta(seconds=1)), 1)
        response = self.client.post(link)
        self.assertContains(response, "期限が切れました", status_code=400)
        self.slot.refresh_from_db()
        self.assertEqual(self.slot.booked, 0)

    def test_a_missing_phone_number_is_named_and_nothing_is_held(self):
        response = self.client.post(
            self.url, self.form(phone="", day=self.day.isoformat(), slot=str(self.slot.pk))
        )
        self.assertContains(response, "電話番号", status_code=400)
        self.assertFalse(Reservation.objects.exists())

    def test_too_many_people_for_the_type_is_refused(self):
        response = self.client.post(self.url, self.form(people="9"))
        self.assertContains(response, "人数: 1〜4人", status_code=400)


class WaitlistTests(BaseTestCase):
    def setUp(self):
        set_capacity(self.main_office, 1)
        self.day = open_day(self.main_office)
        self.slots = [slot_on(self.main_office, self.day, i) for i in range(2)]
        # The only days with slots are this day's two times: fill both.
        from ..models import Slot

        Slot.objects.exclude(pk__in=[s.pk for s in self.slots]).delete()
        from ..services import Person, appointment_book

        self.taken = [
            appointment_book(
                appointment_type=appointment_type_get("pin_reset"),
                slot=s,
                by=self.operator,
                channel="phone",
                person=Person(name=f"先客 {i}", birth_date=datetime.date(1970, 1, 1), phone=f"090000000{i}0"),
            )
            for i, s in enumerate(self.slots)
        ]
        self.url = reverse("reservations:public_apply")

    def form(self, name="久留米 太郎", email="taro@example.jp", **extra):
        return {
            "type": "certificate",
            "name": name,
            "birth_date": "1960/4/1",
            "phone": "0942-30-9000",
            "people": "1",
            "email": email,
            "office": str(self.main_office.pk),
            "day": self.day.isoformat(),
            **extra,
        }

    def test_a_resident_waits_on_a_full_day_and_gets_the_freed_place_with_a_time_limit(self):
        from madoguchi.jobs.testing import run_queued_jobs

        from ..models import WaitlistEntry
        from ..services import reservation_cancel

        full = self.client.post(self.url, self.form())
        self.assertContains(full, "キャンセル待ちに登録する")
        joined = self.client.post(self.url, self.form(action="waitlist"))
        self.assertContains(joined, "キャンセル待ちに登録しました")
        entry = WaitlistEntry.objects.get()
        with self.captureOnCommitCallbacks(execute=True):
            reservation_cancel(reservation=self.taken[1], by=self.operator, channel="phone")
        [job] = run_queued_jobs()
        self.assertEqual(job.result_summary, {"案内した件数": 1})
        entry.refresh_from_db()
        self.assertEqual(entry.status, "offered")
        offer = entry.offered_reservation
        self.assertEqual((offer.status, offer.slot_id), ("held", self.slots[1].pk))
        self.assertGreater(offer.hold_expires_at, offer.created_at + datetime.timedelta(minutes=59))
        self.assertIn("キャンセル待ち", mail.outbox[-1].subject)
        link = re.search(r"http://[^/\s]+(/reservations/web/verify/[^\s]+/)", mail.outbox[-1].body).group(1)
        self.client.post(link)
        entry.refresh_from_db()
        offer.refresh_from_db()
        self.assertEqual((entry.status, offer.status), ("booked", "booked"))

    def test_a_lapsed_offer_goes_to_the_next_person(self):
        from madoguchi.jobs.testing import run_queued_jobs

        from ..models import WaitlistEntry
        from ..services import reservation_cancel

        self.client.post(self.url, self.form(action="waitlist"))
        self.client.post(
            self.url, self.form(name="久留米 花子", email="hanako@example.jp", action="waitlist")
        )
        first, second = WaitlistEntry.objects.order_by("pk")
        with self.captureOnCommitCallbacks(execute=True):
            reservation_cancel(reservation=self.taken[0], by=self.operator, channel="phone")
        run_queued_jobs()
        first.refresh_from_db()
        with self.captureOnCommitCallbacks(execute=True):
            holds_release(now=first.offered_reservation.hold_expires_at + datetime.timedelta(seconds=1))
        run_queued_jobs()
        first.refresh_from_db()
        second.refresh_from_db()
        self.assertEqual((first.status, second.status), ("lapsed", "offered"))


class MailTests(BaseTestCase):
    def setUp(self):
        set_capacity(self.main_office, 2)
        self.slot = slot_on(self.main_office, open_day(self.main_office))

    def test_a_cancel_mails_the_resident_an_ics_that_removes_the_booking(self):
        from ..services import reservation_book, reservation_cancel
        from .helpers import ready_card

        r = reservation_book(
            cards=[ready_card(self.main_office)],
            slot=self.slot,
            by=self.operator,
            channel="phone",
            email="taro@example.jp",
        )
        with self.captureOnCommitCallbacks(execute=True):
            reservation_cancel(reservation=r, by=self.operator, channel="phone")
        message = mail.outbox[-1]
        self.assertIn("予約取消", message.subject)
        name, content, mimetype = message.attachments[0]
        text = content if isinstance(content, str) else content.decode()
        self.assertIn("METHOD:CANCEL", text)
        self.assertIn(f"UID:{r.code}@madoguchi", text)

    def test_the_booking_confirmation_carries_an_ics(self):
        from ..services import confirmation_send, reservation_book
        from .helpers import ready_card

        r = reservation_book(
            cards=[ready_card(self.main_office)],
            slot=self.slot,
            by=None,
            channel="web",
            email="taro@example.jp",
        )
        self.assertTrue(confirmation_send(reservation=r, base_url="http://testserver/"))
        self.assertEqual(mail.outbox[-1].attachments[0][2], "text/calendar")


class CitySiteTests(BaseTestCase):
    def test_the_resident_pages_show_the_citys_name_notice_contact_and_privacy_link(self):
        with self.settings(
            MADOGUCHI_CITY_NAME="試験市",
            MADOGUCHI_PUBLIC_NOTICE="12月29日から1月3日は休業します。",
            MADOGUCHI_PUBLIC_CONTACT="マイナンバーカードコールセンター 0120-000-000",
            MADOGUCHI_PUBLIC_PRIVACY_URL="https://example.jp/privacy",
        ):
            for url in (reverse("reservations:public_start"), reverse("reservations:public_apply")):
                response = self.client.get(url)
                self.assertContains(response, "試験市")
                self.assertContains(response, "12月29日から1月3日は休業します。")
                self.assertContains(response, "0120-000-000")
                self.assertContains(response, 'href="https://example.jp/privacy"')
                self.assertNotContains(response, "窓口 madoguchi")

"""Resident web booking: public pages, sign-in throttle, hold → book, email link (GET shows, POST acts), cancel."""

from __future__ import annotations

import datetime
import re

from django.core import mail
from django.core.cache import cache
from django.urls import reverse

from madoguchi.accounts.testing import BaseTestCase
from madoguchi.accounts.tests.test_url_access import PUBLIC_VIEW_PREFIXES, PUBLIC_VIEWS

from ..models import Reservation
from .helpers import open_day, ready_card, set_capacity, slot_on

BIRTH = datetime.date(1975, 3, 2)


class PublicBookingTests(BaseTestCase):
    def setUp(self):
        cache.clear()
        set_capacity(self.main_office, 2)
        self.card = ready_card(self.main_office, birth_date=BIRTH)
        self.day = open_day(self.main_office)
        self.slot = slot_on(self.main_office, self.day)

    def sign_in(self, notice=None, birth="1975/3/2", **extra):
        return self.client.post(
            reverse("reservations:public_start"),
            {"notice_number": notice or self.card.notice_number, "birth_date": birth},
            **extra,
        )

    def book(self, email="taro@example.jp", reminder="on"):
        self.client.post(reverse("reservations:public_book"), {"slot": self.slot.pk})
        data = {"confirm": "1", "email": email}
        if reminder:
            data["reminder"] = reminder
        return self.client.post(reverse("reservations:public_book"), data)

    def test_only_the_resident_pages_are_open_without_login(self):
        from django.urls import get_resolver

        from ..urls import urlpatterns

        for pattern in urlpatterns:
            name = f"reservations:{pattern.name}"
            public = getattr(pattern.callback, "login_required", True) is False
            listed = name in PUBLIC_VIEWS or name.startswith(PUBLIC_VIEW_PREFIXES)
            self.assertEqual(public, listed and pattern.name.startswith("public_"), name)
        self.assertTrue(get_resolver())

    def test_the_sign_in_page_needs_no_login_and_speaks_english_when_asked(self):
        response = self.client.get(reverse("reservations:public_start"), headers={"Accept-Language": "en"})
        self.assertContains(response, "Notice number")
        self.assertEqual(response["Content-Language"], "en")
        response = self.client.get(reverse("reservations:public_start"))
        self.assertContains(response, "交付通知書番号")

    def test_a_resident_books_and_gets_a_code_and_an_email_with_a_link_free_of_personal_data(self):
        response = self.sign_in()
        self.assertRedirects(response, reverse("reservations:public_manage"))
        response = self.book()
        self.assertRedirects(response, reverse("reservations:public_done"))
        r = Reservation.objects.get()
        self.assertEqual((r.status, r.channel), (Reservation.Status.BOOKED, Reservation.Channel.WEB))
        done = self.client.get(reverse("reservations:public_done"))
        self.assertContains(done, r.display_code)
        self.assertEqual(len(mail.outbox), 1)
        body = mail.outbox[0].body
        self.assertIn(r.display_code, body)
        link = re.search(r"http://\S+", body).group(0)
        self.assertNotIn(self.card.notice_number, link)
        self.assertNotIn("1975", link)

    def test_the_emailed_link_changes_nothing_on_get_and_opens_the_booking_on_post(self):
        self.sign_in()
        self.book()
        link = re.search(r"http://testserver(\S+)", mail.outbox[0].body).group(1)
        fresh = self.client_class()
        page = fresh.get(link)
        self.assertContains(page, "予約を確認する")
        self.assertNotIn("reservations_public_cards", fresh.session)
        response = fresh.post(link)
        self.assertRedirects(response, reverse("reservations:public_manage"))
        # The cancel link shows a confirm button on GET; only the POST cancels.
        page = fresh.get(reverse("reservations:public_cancel"))
        self.assertContains(page, "取り消す")
        self.assertEqual(Reservation.objects.get().status, Reservation.Status.BOOKED)
        fresh.post(reverse("reservations:public_cancel"))
        self.assertEqual(Reservation.objects.get().status, Reservation.Status.CANCELLED)
        self.slot.refresh_from_db()
        self.assertEqual(self.slot.booked, 0)

    def test_a_tampered_link_is_refused(self):
        response = self.client.get(reverse("reservations:public_confirm", args=["not-a-token"]))
        self.assertEqual(response.status_code, 404)
        self.assertContains(response, "無効", status_code=404)

    def test_a_wrong_birth_date_is_refused_without_saying_which_field(self):
        response = self.sign_in(birth="1975/3/3")
        self.assertContains(response, "交付通知書番号または生年月日が正しくありません", status_code=400)
        self.assertNotIn("reservations_public_cards", self.client.session)

    # Abuse protection (delays per address, extra factor per notice number): test_signin_abuse.py

    def test_a_full_slot_gives_a_clear_answer(self):
        for _ in range(2):
            from ..services import reservation_book

            reservation_book(cards=[ready_card(self.main_office)], slot=self.slot, by=None, channel="phone")
        self.sign_in()
        response = self.client.post(reverse("reservations:public_book"), {"slot": self.slot.pk}, follow=True)
        self.assertContains(response, "満席")
        self.assertEqual(Reservation.objects.filter(channel="web").count(), 0)

    def test_a_family_member_is_added_and_both_are_booked_together(self):
        child = ready_card(self.main_office, birth_date=datetime.date(2015, 6, 1))
        self.sign_in()
        self.client.post(
            reverse("reservations:public_manage"),
            {"notice_number": child.notice_number, "birth_date": "2015/6/1"},
        )
        self.book()
        r = Reservation.objects.get()
        self.assertEqual(r.party_size, 2)
        self.assertEqual(set(r.card_links.values_list("card_id", flat=True)), {self.card.pk, child.pk})

    def test_the_resident_changes_the_time(self):
        self.sign_in()
        self.book()
        other = slot_on(self.main_office, self.day, 3)
        self.client.post(reverse("reservations:public_change"), {"slot": other.pk})
        r = Reservation.objects.get()
        self.assertEqual(r.slot, other)
        self.assertEqual(r.events.filter(kind="change").count(), 1)

    def test_no_booking_without_signing_in(self):
        response = self.client.post(reverse("reservations:public_book"), {"slot": self.slot.pk})
        self.assertRedirects(response, reverse("reservations:public_start"))
        self.assertFalse(Reservation.objects.exists())

    def test_the_hold_is_counted_until_it_is_confirmed(self):
        self.sign_in()
        self.client.post(reverse("reservations:public_book"), {"slot": self.slot.pk})
        self.slot.refresh_from_db()
        self.assertEqual(self.slot.booked, 1)
        self.assertEqual(Reservation.objects.get().status, Reservation.Status.HELD)

    def test_picking_again_releases_the_first_hold(self):
        self.sign_in()
        self.client.post(reverse("reservations:public_book"), {"slot": self.slot.pk})
        other = slot_on(self.main_office, self.day, 2)
        self.client.post(reverse("reservations:public_book"), {"slot": other.pk})
        self.slot.refresh_from_db()
        other.refresh_from_db()
        self.assertEqual((self.slot.booked, other.booked), (0, 1))
        self.assertEqual(Reservation.objects.filter(status=Reservation.Status.HELD).get().slot, other)

    def test_a_not_yet_ready_card_cannot_be_booked_on_the_web(self):
        from madoguchi.cards.models import Card

        early = ready_card(self.main_office, state=Card.State.RECEIVED, birth_date=datetime.date(1990, 2, 2))
        self.sign_in(notice=early.notice_number, birth="1990/2/2")
        response = self.client.get(reverse("reservations:public_manage"))
        self.assertContains(response, "現在は予約できません")
        self.assertNotContains(response, "slot-button")


class PublicSignInMessageTests(BaseTestCase):
    """A resident who mistypes is told which field is wrong, in their language (not just "check your input")."""

    def setUp(self):
        cache.clear()

    def post(self, notice, birth, **extra):
        return self.client.post(
            reverse("reservations:public_start"), {"notice_number": notice, "birth_date": birth}, **extra
        )

    def test_it_says_the_birth_date_is_wrong_when_it_does_not_exist(self):
        response = self.post("KRM000001", "2012/2/30")
        self.assertContains(response, "生年月日を正しく入力してください", status_code=400)

    def test_it_says_a_my_number_cannot_go_in_the_notice_number_field(self):
        response = self.post("1234-5678-9018", "1980/1/1")
        self.assertContains(response, "マイナンバー（個人番号）は入力できません", status_code=400)

    def test_it_names_both_missing_fields(self):
        response = self.post("", "")
        self.assertContains(response, "交付通知書番号を入力してください", status_code=400)
        self.assertContains(response, "生年月日を入力してください", status_code=400)

    def test_it_explains_a_bad_birth_date_in_english(self):
        response = self.post("KRM000001", "abc", headers={"Accept-Language": "en"})
        self.assertContains(response, "Enter your date of birth as year/month/day", status_code=400)
        self.assertNotContains(response, "生年月日を正しく", status_code=400)


class PublicNoSlotsMessageTests(BaseTestCase):
    """A resident who picks a date with nothing free is told why and which dates can be chosen."""

    def setUp(self):
        cache.clear()
        set_capacity(self.main_office, 2)
        self.card = ready_card(self.main_office, birth_date=BIRTH)
        self.client.post(
            reverse("reservations:public_start"),
            {"notice_number": self.card.notice_number, "birth_date": "1975/3/2"},
        )

    def test_a_date_outside_the_booking_window_names_the_window(self):
        from django.utils import timezone

        from ..services import window_dates

        first, last = window_dates(public=True)
        past = timezone.localdate() - datetime.timedelta(days=10)
        response = self.client.get(reverse("reservations:public_manage"), {"date": past.isoformat()})
        self.assertContains(response, "予約の受付期間外です")
        self.assertContains(response, f"{first.year}年{first.month}月{first.day}日(")

    def test_a_closed_day_inside_the_window_says_closed_or_full(self):
        from madoguchi.calendar.services import hours_for

        day = open_day(self.main_office)
        while hours_for(self.main_office, day).is_open:
            day += datetime.timedelta(days=1)
        response = self.client.get(reverse("reservations:public_manage"), {"date": day.isoformat()})
        self.assertContains(response, "休業日か、空き枠がありません")

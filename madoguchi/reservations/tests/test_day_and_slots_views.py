"""Day list per office (counter), walk-ins, and the slots/capacity screen for site managers."""

from __future__ import annotations

import datetime

from django.urls import reverse

from madoguchi.accounts.models import AuditEvent
from madoguchi.accounts.testing import BaseTestCase

from ..models import CapacityOverride, OfficeSlotSettings, Reservation
from ..services import reservation_book
from .helpers import open_day, ready_card, set_capacity, slot_on

VIEWERS = {"operator", "back_office", "floor", "site_manager", "director", "city_staff"}
MANAGERS = {"site_manager", "director"}


class DayListTests(BaseTestCase):
    def setUp(self):
        self.day = open_day(self.main_office)
        self.card = ready_card(self.main_office)
        self.booking = reservation_book(
            cards=[self.card], slot=slot_on(self.main_office, self.day), by=self.operator, channel="phone"
        )
        self.url = reverse("reservations:day_list") + f"?office=honcho&date={self.day:%Y/%m/%d}"

    def test_every_reading_role_sees_the_day_list(self):
        self.assert_role_matrix(self.url, VIEWERS)

    def test_it_lists_the_days_bookings_with_notice_numbers_and_audits_the_listing(self):
        self.login(self.back_office)
        response = self.client.get(self.url)
        self.assertContains(response, self.booking.display_code)
        self.assertContains(response, self.card.notice_number)
        self.assertTrue(
            AuditEvent.objects.filter(actor=self.back_office, action=AuditEvent.Action.LIST).exists()
        )

    def test_a_bad_date_says_so(self):
        self.login(self.back_office)
        response = self.client.get(
            reverse("reservations:day_list"), {"office": "honcho", "date": "2026/13/40"}
        )
        self.assertContains(response, "存在しない日付")

    def test_todays_list_opens_at_the_top_not_scrolled_down_to_the_walk_in_form(self):
        self.login(self.floor)
        page = self.client.get(reverse("reservations:day_list"), {"office": "honcho"}).content.decode()
        self.assertIn("予約なし来庁を受け付ける", page)
        self.assertNotIn("autofocus", page)

    def test_a_walk_in_is_recorded_as_checked_in_without_a_slot(self):
        visitor = ready_card(self.main_office, birth_date=datetime.date(1970, 7, 7))
        self.login(self.floor)
        self.client.post(
            reverse("reservations:walk_in"),
            {"office": "honcho", "notice_number": visitor.notice_number, "birth_date": "1970/7/7"},
        )
        r = Reservation.objects.get(is_walk_in=True)
        self.assertEqual((r.status, r.slot, r.party_size), (Reservation.Status.CHECKED_IN, None, 1))

    def test_a_walk_in_for_a_card_already_booked_points_to_the_booking(self):
        self.login(self.floor)
        response = self.client.post(
            reverse("reservations:walk_in"),
            {"office": "honcho", "notice_number": self.card.notice_number, "birth_date": "1980/5/17"},
            follow=True,
        )
        self.assertContains(response, self.booking.display_code)
        self.assertFalse(Reservation.objects.filter(is_walk_in=True).exists())


class SlotsScreenTests(BaseTestCase):
    url = "/reservations/slots/?office=honcho"

    def test_only_managers_open_the_slots_screen(self):
        self.assert_role_matrix(self.url, MANAGERS)

    def test_a_site_manager_changes_the_capacity_and_sees_the_affected_bookings(self):
        set_capacity(self.main_office, 2)
        day = open_day(self.main_office)
        slot = slot_on(self.main_office, day)
        booking = reservation_book(
            cards=[ready_card(self.main_office), ready_card(self.main_office)],
            slot=slot,
            by=None,
            channel="phone",
        )
        self.login(self.site_manager)
        response = self.client.post(
            self.url,
            {
                "action": "override",
                "office": "honcho",
                "o-date": f"{day:%Y/%m/%d}",
                "o-start": slot.start.strftime("%H:%M"),
                "o-capacity": "1",
                "o-reason": "窓口1つ休止",
            },
            follow=True,
        )
        self.assertContains(response, "要対応の予約 1 件")
        self.assertContains(response, booking.display_code)
        self.assertEqual(CapacityOverride.objects.get().capacity, 1)
        # The counter's day list names how many bookings need a call and links to all of them.
        day_list = self.client.get(reverse("reservations:day_list") + f"?office=honcho&date={day:%Y/%m/%d}")
        self.assertContains(day_list, "要対応の予約が 1 件あります")
        self.assertContains(day_list, "全1件を見る")

    def test_the_office_settings_are_saved(self):
        self.login(self.site_manager)
        self.client.post(
            self.url,
            {
                "action": "settings",
                "office": "honcho",
                "s-slot_minutes": "20",
                "s-windows": "3",
                "s-people_per_window": "1",
            },
        )
        conf = OfficeSlotSettings.objects.get(office=self.main_office)
        self.assertEqual((conf.slot_minutes, conf.capacity), (20, 3))

    def test_an_impossible_slot_length_is_refused(self):
        self.login(self.site_manager)
        response = self.client.post(
            self.url,
            {
                "action": "settings",
                "office": "honcho",
                "s-slot_minutes": "2",
                "s-windows": "3",
                "s-people_per_window": "1",
            },
        )
        self.assertContains(response, "5以上")
        self.assertFalse(OfficeSlotSettings.objects.exists())

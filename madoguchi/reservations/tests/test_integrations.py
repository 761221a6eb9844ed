"""What other apps read from here: the cards' day pull list and the monthly report counts."""

from __future__ import annotations

import datetime

from django.utils import timezone

from madoguchi.accounts.testing import BaseTestCase
from madoguchi.cards.queues import day_pull_list

from ..services import month_summary, reservation_book, reservation_cancel, reservation_change
from .helpers import open_day, ready_card, slot_on


class IntegrationTests(BaseTestCase):
    def test_the_cards_day_pull_list_is_built_from_the_days_bookings(self):
        day = open_day(self.main_office)
        booked = ready_card(self.main_office)
        reservation_book(
            cards=[booked], slot=slot_on(self.main_office, day), by=self.operator, channel="phone"
        )
        ready_card(self.main_office)  # not booked: not pulled
        cards, missing = day_pull_list(self.main_office, day)
        self.assertEqual([c.pk for c in cards], [booked.pk])
        self.assertEqual(missing, [])

    def test_the_month_summary_counts_new_changed_and_cancelled_bookings(self):
        day = open_day(self.main_office)
        a = reservation_book(
            cards=[ready_card(self.main_office)], slot=slot_on(self.main_office, day), by=None, channel="web"
        )
        b = reservation_book(
            cards=[ready_card(self.main_office)],
            slot=slot_on(self.main_office, day),
            by=None,
            channel="phone",
        )
        reservation_change(reservation=a, slot=slot_on(self.main_office, day, 1), by=None, channel="phone")
        reservation_cancel(reservation=b, by=None, channel="phone")
        now = timezone.localdate()
        summary = month_summary(year=now.year, month=now.month)
        self.assertEqual((summary["新規"], summary["変更"], summary["取消"]), (2, 1, 1))
        self.assertEqual(summary["受付方法別_ja"], {"Web（住民）": 1, "電話（コールセンター）": 1})


class DashboardWidgetTests(BaseTestCase):
    def test_the_dashboard_shows_todays_bookings_to_counter_staff_but_not_to_roles_without_the_day_list(self):
        from madoguchi.reservations.models import Slot

        slot = Slot.objects.create(
            office=self.main_office,
            date=timezone.localdate(),
            start=datetime.time(23, 0),
            end=datetime.time(23, 30),
            starts_at=timezone.now() + datetime.timedelta(minutes=5),
            capacity=4,
        )
        reservation_book(cards=[ready_card(self.main_office)], slot=slot, by=self.operator, channel="phone")
        self.login(self.back_office)
        response = self.client.get("/")
        self.assertContains(response, "本日の受取予約")
        self.assertContains(response, self.main_office.name)
        self.login(self.nobody)
        self.assertNotContains(self.client.get("/"), "本日の受取予約")

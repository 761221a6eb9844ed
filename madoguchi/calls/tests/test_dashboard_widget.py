"""The dashboard widget: today's calls by category and half-hour, open and overdue callbacks, roll-overs."""

from __future__ import annotations

import datetime

from django.template.loader import render_to_string
from django.utils import timezone

from madoguchi.accounts.testing import BaseTestCase
from madoguchi.calls import services
from madoguchi.calls.models import Call, CallCategory


class DashboardWidgetTests(BaseTestCase):
    def test_it_shows_todays_figures_and_the_overdue_callbacks(self):
        now = timezone.now()
        category = CallCategory.objects.get(name="受取予約（変更）")
        for minutes in (5, 15):
            Call.objects.create(
                started_at=now - datetime.timedelta(minutes=minutes),
                ended_at=now,
                line=1,
                subcategory=category,
                category=category.column,
            )
        Call.objects.create(started_at=now - datetime.timedelta(minutes=3), status=Call.Status.OVERFLOWED)
        services.callback_create(
            by=self.operator, phone="0942-1", reason="a", due_at=now - datetime.timedelta(minutes=1)
        )
        services.callback_create(
            by=self.operator, phone="0942-2", reason="b", due_at=now + datetime.timedelta(hours=1)
        )
        figures = services.dashboard_figures()
        self.assertEqual(figures["counts"]["reservation"], 2)
        self.assertEqual(figures["rollovers_today"], 1)
        self.assertEqual(figures["callbacks_open"], 2)
        self.assertEqual(figures["callbacks_overdue"], 1)
        self.assertEqual(sum(r["count"] for r in figures["half_hours"]), 3)
        html = render_to_string("calls/_dashboard.html")
        self.assertInHTML('<strong id="calls-callbacks-overdue">1</strong>', html)
        self.assertInHTML('<strong id="calls-rollovers">1</strong>', html)

    def test_the_refresh_fragment_is_the_widget_body(self):
        self.login(self.city_staff)
        response = self.client.get("/calls/dashboard/")
        self.assertContains(response, "本日のコールセンター")
        self.assertNotContains(response, "<html")

"""The demo: FY2026 to date at the spec's volumes, on opening days only, loaded once."""

from __future__ import annotations

import datetime
from unittest import mock

from django.utils import timezone

from madoguchi.accounts.testing import BaseTestCase
from madoguchi.calendar import demo as calendar_demo
from madoguchi.calendar.models import Office
from madoguchi.calendar.services import opening_days
from madoguchi.calls import demo
from madoguchi.calls.models import Call, Callback
from madoguchi.calls.services import monthly_counts

FIXED_NOW = timezone.make_aware(datetime.datetime(2026, 5, 31, 18, 0))


class DemoTests(BaseTestCase):
    def test_it_loads_spec_volumes_on_opening_days_once(self):
        Office.objects.all().delete()
        calendar_demo.load()
        with mock.patch("django.utils.timezone.now", return_value=FIXED_NOW):
            summary = demo.load()
            self.assertIn("通話", summary)
            self.assertEqual(demo.load(), "")  # idempotent
        for month in (4, 5):
            counts = monthly_counts(year=2026, month=month)
            self.assertGreater(counts["total"], 1800, counts)
            self.assertLess(counts["total"], 2800, counts)
            self.assertGreater(counts["reservation"], counts["card_inquiry"])
            self.assertGreater(counts["card_inquiry"], counts["other"])
        self.assertFalse(Call.objects.filter(started_at__gt=FIXED_NOW).exists())
        main = Office.objects.get(code="honcho")
        open_dates = {
            d.date for d in opening_days(main, datetime.date(2026, 4, 1), datetime.date(2026, 7, 15))
        }
        call_dates = {timezone.localtime(t).date() for t in Call.objects.values_list("started_at", flat=True)}
        self.assertTrue(call_dates <= open_dates, sorted(call_dates - open_dates)[:5])
        overflowed = Call.objects.filter(status=Call.Status.OVERFLOWED)
        self.assertTrue(overflowed.exists())
        # Every roll-over has its callback; every closed callback has an outcome.
        self.assertEqual(Callback.objects.filter(source="overflow").count(), overflowed.count())
        self.assertFalse(Callback.objects.filter(status="closed", outcome="").exists())

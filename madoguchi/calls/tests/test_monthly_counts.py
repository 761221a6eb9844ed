"""monthly_counts: the spec's table (予約 / カードに関する問合せ / その他 / 計) for the reports."""

from __future__ import annotations

import datetime

from django.utils import timezone

from madoguchi.accounts.testing import BaseTestCase
from madoguchi.calls.models import Call, CallCategory
from madoguchi.calls.services import dashboard_figures, monthly_counts


def at(y, m, d, h=10, mi=0):
    return timezone.make_aware(datetime.datetime(y, m, d, h, mi))


class MonthlyCountsTests(BaseTestCase):
    def add(self, when, name=None, status=Call.Status.ENDED, direction="inbound"):
        cat = CallCategory.objects.get(name=name) if name else None
        return Call.objects.create(
            started_at=when,
            ended_at=when + datetime.timedelta(minutes=3),
            status=status,
            direction=direction,
            subcategory=cat,
            category=cat.column if cat else "",
            line=1,
        )

    def test_it_counts_each_column_and_the_total_for_the_month_in_japan_time(self):
        self.add(at(2026, 5, 1, 9), "受取予約（新規）")
        self.add(at(2026, 5, 15), "受取予約（変更）")
        self.add(at(2026, 5, 20), "電子証明書")
        self.add(at(2026, 5, 31, 23, 50), "制度全般")  # still May in Japan (14:50 UTC)
        self.add(at(2026, 6, 1, 0, 10), "カード")  # June in Japan although 31 May in UTC
        self.add(at(2026, 5, 2), "カード", direction="outbound")  # callbacks we make are not incoming calls
        self.add(at(2026, 5, 3), status=Call.Status.OVERFLOWED)
        self.add(at(2026, 5, 4))  # not yet classified
        self.assertEqual(
            monthly_counts(year=2026, month=5),
            {"reservation": 2, "card_inquiry": 1, "other": 1, "total": 4, "unclassified": 1, "overflow": 1},
        )
        self.assertEqual(monthly_counts(year=2026, month=6)["card_inquiry"], 1)
        self.assertEqual(Call.objects.in_month(2026, 12).column_counts()["total"], 0)

    def test_the_monthly_page_shows_the_fiscal_year_table(self):
        self.add(at(2026, 4, 10), "受取予約（新規）")
        self.add(at(2027, 3, 10), "その他")
        self.login(self.city_staff)
        response = self.client.get("/calls/monthly/", {"fy": "2026"})
        self.assertContains(response, "2026年度")
        self.assertContains(response, "令和8年度")  # the era year the city's documents use
        rows = response.context["rows"]
        self.assertEqual([r["month"] for r in rows][:2], [4, 5])
        self.assertEqual(rows[0]["reservation"], 1)
        self.assertEqual(rows[11]["other"], 1)
        self.assertEqual(response.context["totals"]["total"], 2)

    def test_the_api_gives_the_same_figures_with_the_same_permission(self):
        self.add(at(2026, 5, 1), "カード")
        self.login(self.city_staff)
        response = self.client.get("/api/calls/monthly", {"year": 2026, "month": 5})
        self.assertEqual(response.json()["card_inquiry"], 1)
        self.login(self.floor)
        self.assertEqual(self.client.get("/api/calls/monthly", {"year": 2026, "month": 5}).status_code, 403)

    def test_dashboard_figures_by_half_hour(self):
        today = datetime.date(2026, 6, 3)  # a Wednesday: the main office is open 8:30–17:15
        self.add(timezone.make_aware(datetime.datetime.combine(today, datetime.time(9, 10))), "カード")
        self.add(timezone.make_aware(datetime.datetime.combine(today, datetime.time(9, 40))), "カード")
        self.add(timezone.make_aware(datetime.datetime.combine(today, datetime.time(9, 45))), "その他")
        figures = dashboard_figures(day=today)
        slots = {r["start"]: r["count"] for r in figures["half_hours"]}
        self.assertEqual(slots[datetime.time(9, 0)], 1)
        self.assertEqual(slots[datetime.time(9, 30)], 2)
        self.assertEqual(slots[datetime.time(8, 30)], 0)
        self.assertEqual(figures["counts"]["card_inquiry"], 2)
        self.assertEqual(figures["peak"], 2)
        self.assertEqual(figures["half_hours"][-1]["start"], datetime.time(17, 0))

from __future__ import annotations

import datetime

from django.utils import timezone

from madoguchi.accounts.testing import BaseTestCase
from madoguchi.staffing.models import MonthPlan, PlanInterval


class DashboardWidgetTest(BaseTestCase):
    def test_the_widget_says_when_this_month_has_no_plan(self) -> None:
        self.login(self.site_manager)
        today = timezone.localdate()
        self.assertContains(
            self.client.get("/"), f"{today.year}年{today.month}月の人員計画はまだありません。"
        )

    def test_the_widget_names_this_months_plan_and_todays_short_half_hours(self) -> None:
        today = timezone.localdate()
        plan = MonthPlan.objects.create(
            office=self.main_office, year=today.year, month=today.month, status=MonthPlan.Status.SHORT
        )
        plan.solved_at = timezone.now()
        plan.save(update_fields=["solved_at"])
        t = datetime.time
        PlanInterval.objects.create(
            plan=plan, date=today, start=t(9), end=t(9, 30), skill="phones", required=3
        )
        PlanInterval.objects.create(
            plan=plan,
            date=today,
            start=t(9, 30),
            end=t(10),
            skill="phones",
            required=1,
            override=2,
            scheduled=2,
        )
        PlanInterval.objects.create(
            plan=plan, date=today, start=t(10), end=t(10, 30), skill="floor", required=2, scheduled=2
        )
        self.login(self.site_manager)
        response = self.client.get("/")
        self.assertContains(response, "シフト作成済み（不足あり）")
        self.assertContains(response, "本日 1の時間帯で人数不足")
        # Staff who do not plan see no widget.
        self.login(self.operator)
        self.assertNotContains(self.client.get("/"), "本日 1の時間帯で人数不足")

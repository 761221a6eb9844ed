from __future__ import annotations

import datetime
import io

from django.test import override_settings
from django.urls import reverse
from openpyxl import load_workbook

from madoguchi.accounts.models import AuditEvent
from madoguchi.accounts.testing import BaseTestCase
from madoguchi.jobs.testing import run_queued_jobs
from madoguchi.staffing.demo import create_team
from madoguchi.staffing.models import MonthPlan, PlanInterval, PlanShift
from madoguchi.staffing.services import month_plan_create, month_plan_forecast

VIEWERS = {"operator", "back_office", "floor", "site_manager", "director", "city_staff"}
MANAGERS = {"site_manager", "director"}
# A light month (few cards, one on the floor) so a small team solves it in seconds.
LIGHT = {"cards_preparation": 300, "cards_post_issuance": 300, "floor_staff": 1}


class PlanViewsTest(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.plan = month_plan_create(office=cls.main_office, year=2026, month=4)
        month_plan_forecast(plan=cls.plan, overrides=LIGHT)

    def url(self, name: str, **kw: object) -> str:
        return reverse(f"staffing:{name}", kwargs={"pk": self.plan.pk, **kw})

    def test_role_matrix_of_the_plan_screens(self) -> None:
        self.assert_role_matrix(reverse("staffing:plans"), VIEWERS)
        self.assert_role_matrix(self.url("plan"), VIEWERS)
        self.assert_role_matrix(self.url("plan_heatmap"), VIEWERS)
        self.assert_role_matrix(self.url("plan_day", date="2026-04-07"), VIEWERS)
        self.assert_role_matrix(self.url("plan_people"), VIEWERS)
        self.assert_role_matrix(self.url("plan_export"), VIEWERS)

    def test_only_managers_recompute_or_solve(self) -> None:
        self.assert_role_matrix(self.url("plan_forecast"), MANAGERS, method="post", data=LIGHT, ok_status=302)
        with override_settings(MADOGUCHI_STAFFING_SOLVER_SECONDS=1):
            # Nobody is trained here: the solve explains itself instead of returning a silent empty schedule.
            self.assert_role_matrix(self.url("plan_solve"), MANAGERS, method="post", ok_status=302)
            run_queued_jobs()
        self.assert_role_matrix(self.url("plan_simulate"), MANAGERS, method="post", ok_status=302)
        self.plan.refresh_from_db()
        self.assertIn(self.plan.status, (MonthPlan.Status.SHORT, MonthPlan.Status.FAILED))
        self.assertTrue(any("研修を修了した業務従事者がいません" in m for m in self.plan.messages))

    def test_a_site_manager_plans_april_from_forecast_to_exported_schedule(self) -> None:
        create_team(16)
        self.login(self.site_manager)
        response = self.client.post(self.url("plan_forecast"), {**LIGHT, "target": "5"})
        self.assertRedirects(response, self.url("plan"))
        with override_settings(MADOGUCHI_STAFFING_SOLVER_SECONDS=8):
            response = self.client.post(self.url("plan_solve"))
            # The solve is a background job: the request returns at once to the month's roster page.
            self.assertRedirects(response, reverse("staffing:roster", kwargs={"year": 2026, "month": 4}))
            (job,) = run_queued_jobs()
        self.assertEqual(job.state, "done", job.error_message)
        response = self.client.get(reverse("staffing:roster", kwargs={"year": 2026, "month": 4}))
        self.plan.refresh_from_db()
        self.assertEqual(self.plan.solver_status in ("OPTIMAL", "FEASIBLE"), True, self.plan.messages)
        self.assertGreater(PlanShift.objects.filter(plan=self.plan).count(), 100)
        self.assertContains(response, "最適性ギャップ")
        # The solver's status is said in Japanese, not as the solver's own word.
        self.assertContains(response, "解です")
        self.assertNotContains(response, f"<dd>{self.plan.solver_status}</dd>")
        # Every interval's scheduled count is what the shifts put on duty (spot-check one).
        i = PlanInterval.objects.filter(
            plan=self.plan, skill="phones", date=datetime.date(2026, 4, 7), start=datetime.time(9, 0)
        ).get()
        on = [
            s
            for s in PlanShift.objects.filter(plan=self.plan, date=i.date, skill="phones")
            if s.start <= i.start < s.end and not (s.break_start and s.break_start <= i.start < s.break_end)
        ]
        self.assertEqual(i.scheduled, len(on))
        # The simulation replays the month with this schedule and agrees with Erlang B.
        self.assertEqual(self.client.post(self.url("plan_simulate")).status_code, 302)
        self.plan.refresh_from_db()
        sim = self.plan.figures["simulation"]
        self.assertGreater(sim["calls"], 1500)
        se = (sim["erlang_b_rate"] * (1 - sim["erlang_b_rate"]) / sim["calls"]) ** 0.5
        self.assertLess(abs(sim["rollover_rate"] - sim["erlang_b_rate"]), 4 * se + 0.002)
        self.assertEqual(sim["callbacks"], sim["rolled_over"])
        # Heat map, day and person pages show it.
        heatmap = self.client.get(self.url("plan_heatmap") + "?skill=back_office")
        self.assertContains(heatmap, "heatmap-table")
        self.assertContains(heatmap, "4/7(火)")  # each row names its weekday: Mondays are the busy ones
        # The wide table scrolls by keyboard: its scrolling box takes the focus.
        self.assertContains(heatmap, 'class="heatmap-scroll" tabindex="0" role="region"')
        day = self.client.get(self.url("plan_day", date="2026-04-07"))
        self.assertContains(day, "休憩")
        self.assertContains(self.client.get(self.url("plan_people")), "roster")
        # Export: one row per shift in the shift sheet, and an audit row.
        before = AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).count()
        response = self.client.get(self.url("plan_export"))
        self.assertEqual(response.status_code, 200)
        wb = load_workbook(io.BytesIO(response.content))
        self.assertEqual(wb.sheetnames, ["個人別シフト", "シフト一覧", "時間帯別の必要人数", "予測の根拠"])
        self.assertEqual(wb["シフト一覧"].max_row - 1, PlanShift.objects.filter(plan=self.plan).count())
        self.assertEqual(AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).count(), before + 1)

    def test_bad_overrides_get_a_japanese_message_and_change_nothing(self) -> None:
        self.login(self.site_manager)
        count = PlanInterval.objects.filter(plan=self.plan).count()
        response = self.client.post(self.url("plan_forecast"), {"calls_reservation": "-3"})
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "0以上にしてください", status_code=400)
        response = self.client.post(
            self.url("plan_forecast"),
            {
                "calls_reservation": 0,
                "calls_card_inquiry": 0,
                "calls_other": 0,
                "cards_preparation": 0,
                "cards_post_issuance": 0,
                "floor_staff": 0,
            },
        )
        self.assertContains(response, "予測がすべて0件", status_code=400)
        self.assertEqual(PlanInterval.objects.filter(plan=self.plan).count(), count)

    def test_an_interval_override_is_kept_when_the_forecast_is_recomputed(self) -> None:
        self.login(self.site_manager)
        response = self.client.post(
            self.url("plan_day", date="2026-04-07"), {"start": "10:00", "skill": "floor", "people": "3"}
        )
        self.assertEqual(response.status_code, 302)
        month_plan_forecast(plan=self.plan, overrides=LIGHT)
        i = PlanInterval.objects.get(
            plan=self.plan, date=datetime.date(2026, 4, 7), start=datetime.time(10), skill="floor"
        )
        self.assertEqual((i.required, i.override, i.need), (1, 3, 3))
        response = self.client.post(
            self.url("plan_day", date="2026-04-07"), {"start": "10:00", "skill": "phones", "people": "7"}
        )
        self.assertContains(response, "6回線", status_code=400)

    def test_an_interval_override_accepts_a_time_typed_with_full_width_digits(self) -> None:
        self.login(self.site_manager)
        response = self.client.post(
            self.url("plan_day", date="2026-04-07"), {"start": "１０：３０", "skill": "floor", "people": "2"}
        )
        self.assertEqual(response.status_code, 302)
        i = PlanInterval.objects.get(
            plan=self.plan, date=datetime.date(2026, 4, 7), start=datetime.time(10, 30), skill="floor"
        )
        self.assertEqual(i.override, 2)
        response = self.client.post(
            self.url("plan_day", date="2026-04-07"), {"start": "朝", "skill": "floor", "people": "2"}
        )
        self.assertContains(response, "「09:30」の形で入力してください。", status_code=400)

    def test_a_day_outside_the_plans_month_is_not_found_and_takes_no_override(self) -> None:
        self.login(self.site_manager)
        for date in ("2026-13-01", "2026-05-07", "yesterday"):
            self.assertEqual(self.client.get(self.url("plan_day", date=date)).status_code, 404, date)
        response = self.client.post(
            self.url("plan_day", date="2026-05-07"), {"start": "10:00", "skill": "floor", "people": "4"}
        )
        self.assertEqual(response.status_code, 404)
        self.assertFalse(PlanInterval.objects.filter(plan=self.plan, override=4).exists())

    def test_the_target_is_typed_in_percent_as_on_the_erlang_calculator(self) -> None:
        self.login(self.site_manager)
        response = self.client.post(self.url("plan_forecast"), {**LIGHT, "target": "2"})
        self.assertRedirects(response, self.url("plan"))
        self.plan.refresh_from_db()
        self.assertEqual((self.plan.overrides["target"], self.plan.figures["target"]), (0.02, 0.02))
        page = self.client.get(self.url("plan"))
        self.assertContains(page, "<dd>2%</dd>", html=True)
        self.assertEqual(page.context["form"].initial["target"], 2)
        response = self.client.post(self.url("plan_forecast"), {**LIGHT, "target": "80"})
        self.assertContains(response, "目標呼損率", status_code=400)
        self.plan.refresh_from_db()
        self.assertEqual(self.plan.figures["target"], 0.02)

    def test_creating_a_plan_for_a_month(self) -> None:
        self.login(self.director)
        response = self.client.post(
            reverse("staffing:plans"), {"office": self.main_office.pk, "month": "2026-05"}
        )
        plan = MonthPlan.objects.get(year=2026, month=5)
        self.assertRedirects(response, reverse("staffing:plan", kwargs={"pk": plan.pk}))
        response = self.client.post(
            reverse("staffing:plans"), {"office": self.main_office.pk, "month": "5月"}
        )
        self.assertContains(response, "2026-04", status_code=200)
        self.login(self.operator)
        self.assertEqual(
            self.client.post(
                reverse("staffing:plans"), {"office": self.main_office.pk, "month": "2026-06"}
            ).status_code,
            403,
        )


class IntradayActualTest(BaseTestCase):
    def test_the_day_screen_shows_calls_logged_against_the_forecast_per_half_hour(self) -> None:
        from django.utils import timezone

        from madoguchi.calls.models import Call

        plan = month_plan_create(office=self.main_office, year=2026, month=4)
        month_plan_forecast(plan=plan, overrides=LIGHT)
        at = timezone.make_aware(datetime.datetime(2026, 4, 7, 9, 10))
        Call.objects.bulk_create(
            [
                Call(started_at=at + datetime.timedelta(minutes=k), direction=Call.Direction.INBOUND)
                for k in range(3)
            ]
        )
        self.login(self.site_manager)
        response = self.client.get(reverse("staffing:plan_day", kwargs={"pk": plan.pk, "date": "2026-04-07"}))
        self.assertContains(response, "入電 実績/予測")
        row = response.context["actual_row"]
        nine = response.context["starts"].index(datetime.time(9, 0))
        self.assertEqual(row[nine]["actual"], 3)
        self.assertGreater(row[nine]["forecast"], 0)

"""The month's roster across offices: solved as a job, one transaction, published, edited, re-planned."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.test import TransactionTestCase, override_settings
from django.urls import reverse

from madoguchi.accounts.roles import Role, sync_roles
from madoguchi.accounts.testing import BaseTestCase, make_offices, make_user, run_together
from madoguchi.jobs.models import Job
from madoguchi.jobs.services import JobAlreadyRunning, job_start
from madoguchi.staffing import services
from madoguchi.staffing.demo import create_team
from madoguchi.staffing.models import (
    MonthPlan,
    PlanShift,
    Roster,
    RosterVersion,
    ShiftTemplate,
    StaffMember,
    Unavailability,
)

VIEWERS = {"operator", "back_office", "floor", "site_manager", "director", "city_staff"}
LIGHT = {
    "cards_preparation": 200,
    "cards_post_issuance": 200,
    "floor_staff": 1,
    "shrinkage": 0,
    "callbacks": 0,
    "renewal_call_rate": 0,
}
BEFORE_APRIL = datetime.date(2026, 3, 20)
T = datetime.time


def plan_april(offices: list) -> Roster:
    for office in offices:
        plan = services.month_plan_create(office=office, year=2026, month=4)
        services.month_plan_forecast(plan=plan, overrides=LIGHT)
    return services.roster_get(year=2026, month=4)


def team(main, branch, n: int = 14) -> list[StaffMember]:
    members = create_team(n)
    for i, m in enumerate(members):
        m.home_office = branch if i % 4 == 3 else main
        m.save(update_fields=["home_office"])
        if i % 4 == 1:
            m.offices.set([branch])
    return members


def week_minutes(member_id: int) -> dict[tuple[int, int], int]:
    per: dict[tuple[int, int], int] = {}
    for s in PlanShift.objects.filter(member_id=member_id):
        key = s.date.isocalendar()[:2]
        per[key] = per.get(key, 0) + s.paid_minutes
    return per


class RosterAcrossOfficesTest(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.members = team(cls.main_office, cls.branch_office)
        cls.roster = plan_april([cls.main_office, cls.branch_office])
        services.roster_solve(roster=cls.roster, time_limit_seconds=6, today=BEFORE_APRIL)

    def test_one_roster_books_each_person_once_a_day_at_an_office_they_may_work_at(self) -> None:
        shifts = list(PlanShift.objects.select_related("plan__office", "member__home_office"))
        self.assertGreater(len(shifts), 100)
        self.assertEqual({s.plan.office for s in shifts}, {self.main_office, self.branch_office})
        days = [(s.member_id, s.date) for s in shifts]
        self.assertEqual(len(days), len(set(days)))
        for s in shifts:
            allowed = {s.member.home_office_id, *s.member.offices.values_list("pk", flat=True)}
            self.assertIn(s.plan.office_id, allowed, s)
        for m in self.members:
            for week, minutes in week_minutes(m.pk).items():
                self.assertLessEqual(minutes, m.max_week_minutes, (m.name, week))
        roster = Roster.objects.get(pk=self.roster.pk)
        self.assertIn(roster.solver_status, ("OPTIMAL", "FEASIBLE"))
        self.assertEqual(roster.version, 1)
        self.assertEqual(RosterVersion.objects.get(roster=roster).summary["shifts"], len(shifts))

    def test_full_timers_get_their_contract_hours(self) -> None:
        full = [m for m in self.members if not m.part_time]
        # A full April week (13–17) with no leave: 38.75 h each.
        for m in full:
            self.assertEqual(week_minutes(m.pk).get((2026, 16), 0), 2325, m.name)

    def test_the_database_refuses_a_second_shift_for_a_person_on_one_day_across_offices(self) -> None:
        shift = PlanShift.objects.filter(plan__office=self.main_office).first()
        branch_plan = MonthPlan.objects.get(office=self.branch_office, year=2026, month=4)
        with self.assertRaises(IntegrityError), transaction.atomic():
            PlanShift.objects.create(
                plan=branch_plan,
                member=shift.member,
                date=shift.date,
                skill="floor",
                template_code="x",
                start=T(9),
                end=T(12),
                paid_minutes=180,
            )

    def test_a_killed_solve_leaves_the_previous_roster_intact(self) -> None:
        before = list(PlanShift.objects.order_by("pk").values_list("member_id", "date", "start"))

        def killed(done: int, total: int, message: str) -> None:
            if done >= 2:
                raise KeyboardInterrupt  # the worker dies in the middle of the search

        with self.assertRaises(KeyboardInterrupt):
            services.roster_solve(
                roster=self.roster, time_limit_seconds=6, progress=killed, today=BEFORE_APRIL
            )
        self.assertEqual(
            list(PlanShift.objects.order_by("pk").values_list("member_id", "date", "start")), before
        )
        self.assertEqual(Roster.objects.get(pk=self.roster.pk).version, 1)

    def test_single_edits_are_checked_and_named_by_person_day_and_rule(self) -> None:
        day = datetime.date(2026, 4, 8)
        only_main = next(m for i, m in enumerate(self.members) if i % 4 == 0 and not m.part_time)
        day_shift = (
            ShiftTemplate.objects.get(code="day")
            if ShiftTemplate.objects.filter(code="day").exists()
            else None
        )
        template = day_shift or ShiftTemplate.objects.filter(part_time=False, active=True).first()
        with self.assertRaises(services.RosterError) as ctx:
            services.shift_set(
                member=only_main,
                date=day,
                office=self.branch_office,
                template=template,
                skill="back_office",
                today=BEFORE_APRIL,
            )
        self.assertIn(f"{only_main.name}さん 4月8日", str(ctx.exception))
        self.assertIn("勤務庁舎の規則", str(ctx.exception))
        with self.assertRaises(services.RosterError) as ctx:
            services.shift_set(
                member=only_main,
                date=datetime.date(2026, 4, 11),
                office=self.main_office,
                template=template,
                skill="back_office",
                today=BEFORE_APRIL,
            )
        self.assertIn("休業日", str(ctx.exception))
        # A legal edit is saved, kept as a manual shift and its coverage impact is listed.
        shift, impact = services.shift_set(
            member=only_main,
            date=day,
            office=self.main_office,
            template=template,
            skill="phones",
            today=BEFORE_APRIL,
        )
        self.assertEqual(shift.source, PlanShift.Source.MANUAL)
        self.assertIsInstance(impact, list)
        # A monthly maximum already reached: the edit is refused with the rule, not by a database error.
        other = PlanShift.objects.filter(member=only_main, date__gt=day).order_by("date").first()
        services.shift_clear(member=only_main, date=other.date, today=BEFORE_APRIL)
        worked = sum(PlanShift.objects.filter(member=only_main).values_list("paid_minutes", flat=True))
        only_main.max_hours_per_month = Decimal(worked) / 60
        only_main.save(update_fields=["max_hours_per_month"])
        with self.assertRaises(services.RosterError) as ctx:
            services.shift_set(
                member=only_main,
                date=other.date,
                office=self.main_office,
                template=template,
                skill="phones",
                today=BEFORE_APRIL,
            )
        self.assertIn("月の上限", str(ctx.exception))
        self.assertIn(f"{only_main.name}さん", str(ctx.exception))
        # Past days of a published roster are locked.
        services.roster_publish(roster=self.roster)
        with self.assertRaises(services.RosterError) as ctx:
            services.shift_clear(member=only_main, date=day, today=datetime.date(2026, 4, 20))
        self.assertIn("確定日の規則", str(ctx.exception))
        with self.assertRaises(services.RosterError):
            services.absence_record(member=only_main, date=day, today=datetime.date(2026, 4, 20))

    def test_an_absence_on_a_published_roster_is_re_planned_with_few_changes(self) -> None:
        services.roster_publish(roster=self.roster)
        shift = PlanShift.objects.filter(date=datetime.date(2026, 4, 15)).order_by("member__name").first()
        item, needs = services.absence_record(
            member=shift.member, date=shift.date, reason="体調不良", today=BEFORE_APRIL
        )
        self.assertEqual(needs, Roster.objects.get(pk=self.roster.pk))
        person_days = PlanShift.objects.count()
        roster = services.roster_solve(roster=needs, time_limit_seconds=6, today=BEFORE_APRIL)
        self.assertFalse(PlanShift.objects.filter(member=shift.member, date=shift.date).exists())
        changed = {(c["member"], c["date"]) for c in roster.changes}
        self.assertIn((shift.member.name, "2026-04-15"), changed)
        self.assertLessEqual(len(changed), max(3, person_days // 20), roster.changes)  # ≤ 5 % of person-days
        self.assertEqual(roster.versions.first().kind, RosterVersion.Kind.RESOLVE)

    def test_staff_see_their_own_published_shifts_and_an_icalendar_feed(self) -> None:
        member = self.members[0]
        member.user = self.operator
        member.save(update_fields=["user"])
        self.login(self.operator)
        with override_settings(TIME_ZONE="Asia/Tokyo"):
            page = self.client.get(reverse("staffing:my_shifts"))
        self.assertNotContains(page, "〜17:15")  # a draft is not shown to staff
        services.roster_publish(roster=self.roster)
        from unittest import mock

        with mock.patch("django.utils.timezone.localdate", return_value=BEFORE_APRIL):
            page = self.client.get(reverse("staffing:my_shifts"))
            self.assertContains(page, "4月")
            feed_url = page.context["feed_url"]
            self.client.logout()
            feed = self.client.get(feed_url[feed_url.index("/staffing/") :])
        self.assertEqual(feed.status_code, 200)
        self.assertTrue(feed["Content-Type"].startswith("text/calendar"))
        body = feed.content.decode()
        self.assertEqual(body.count("BEGIN:VEVENT"), PlanShift.objects.filter(member=member).count())
        self.assertEqual(
            self.client.get("/staffing/me/calendar/wrong-token-wrong-token.ics").status_code, 404
        )

    def test_time_off_requests_wait_for_approval_before_the_solver_honours_them(self) -> None:
        member = self.members[0]
        member.user = self.operator
        member.save(update_fields=["user"])
        self.login(self.operator)
        response = self.client.post(reverse("staffing:my_shifts"), {"date": "2026/4/22", "reason": "通院"})
        self.assertEqual(response.status_code, 302)
        item = Unavailability.objects.get(member=member, date=datetime.date(2026, 4, 22))
        self.assertEqual(item.status, Unavailability.Status.REQUESTED)
        data = services.roster_problem(roster=self.roster, today=BEFORE_APRIL)
        worker = next(w for w in data.problem.workers if w.id == member.pk)
        self.assertNotIn(item.date, worker.unavailable)
        self.login(self.site_manager)
        self.client.post(reverse("staffing:time_off_decide", args=[item.pk]), {"decision": "approve"})
        item.refresh_from_db()
        self.assertEqual(item.status, Unavailability.Status.APPROVED)
        data = services.roster_problem(roster=self.roster, today=BEFORE_APRIL)
        worker = next(w for w in data.problem.workers if w.id == member.pk)
        self.assertIn(item.date, worker.unavailable)

    def test_solving_runs_as_a_job_and_a_second_request_is_told_it_is_running(self) -> None:
        self.login(self.site_manager)
        url = reverse("staffing:roster_solve", kwargs={"year": 2026, "month": 4})
        first = self.client.post(url)
        self.assertRedirects(first, reverse("staffing:roster", kwargs={"year": 2026, "month": 4}))
        second = self.client.post(url, follow=True)
        self.assertContains(second, "実行中です")
        self.assertEqual(Job.objects.filter(kind="staffing.solve").count(), 1)
        page = self.client.get(reverse("staffing:roster", kwargs={"year": 2026, "month": 4}))
        self.assertContains(page, "シフト表の作成")  # the job's progress box on the roster page


class RosterExportAndIntradayTest(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.members = team(cls.main_office, cls.branch_office)
        cls.roster = plan_april([cls.main_office, cls.branch_office])
        services.roster_solve(roster=cls.roster, time_limit_seconds=6, today=BEFORE_APRIL)

    def test_the_roster_exports_as_excel_with_one_sheet_per_office(self) -> None:
        import io

        from openpyxl import load_workbook

        from madoguchi.accounts.models import AuditEvent

        url = reverse("staffing:roster_export", kwargs={"year": 2026, "month": 4})
        self.assert_role_matrix(url, VIEWERS)
        self.login(self.site_manager)
        response = self.client.get(url)
        wb = load_workbook(io.BytesIO(response.content))
        self.assertEqual(
            wb.sheetnames, ["概要", self.main_office.name, self.branch_office.name, "公開後の変更"]
        )
        for office in (self.main_office, self.branch_office):
            ws = wb[office.name]
            names = {row[0] for row in ws.iter_rows(min_row=2, values_only=True)}
            at_office = set(
                PlanShift.objects.filter(plan__office=office).values_list("member__name", flat=True)
            )
            self.assertEqual(names, at_office)
            days_column = list(ws[1]).index(next(c for c in ws[1] if c.value == "日数"))
            for row in ws.iter_rows(min_row=2, values_only=True):
                shifts = PlanShift.objects.filter(plan__office=office, member__name=row[0]).count()
                self.assertEqual(row[days_column], shifts, row[0])
        summary = {row[0]: row[1] for row in wb["概要"].iter_rows(values_only=True)}
        self.assertEqual(summary["シフト数"], PlanShift.objects.count())
        self.assertTrue(
            AuditEvent.objects.filter(
                action=AuditEvent.Action.EXPORT, object_type__icontains="roster"
            ).exists()
        )

    def test_an_empty_month_is_not_exported_as_an_empty_file(self) -> None:
        self.login(self.site_manager)
        url = reverse("staffing:roster_export", kwargs={"year": 2026, "month": 5})
        response = self.client.get(url, follow=True)
        self.assertContains(response, "出力できるシフトがまだありません")

    def test_the_intraday_view_shows_who_is_on_now_planned_against_needed_and_the_absences(self) -> None:
        from unittest import mock
        from zoneinfo import ZoneInfo

        day = datetime.date(2026, 4, 7)
        shift = PlanShift.objects.filter(
            date=day, plan__office=self.main_office, break_start__isnull=False
        ).first()
        absent = next(m for m in self.members if not PlanShift.objects.filter(member=m, date=day).exists())
        Unavailability.objects.create(member=absent, date=day, reason="通院")
        self.assert_role_matrix(reverse("staffing:intraday"), VIEWERS)
        self.login(self.site_manager)
        during_break = datetime.datetime.combine(day, shift.break_start, tzinfo=ZoneInfo("Asia/Tokyo"))
        with (
            override_settings(TIME_ZONE="Asia/Tokyo"),
            mock.patch("django.utils.timezone.now", return_value=during_break),
        ):
            page = self.client.get(reverse("staffing:intraday"))
        self.assertEqual(page.context["day"], day)
        offices = {o["plan"].office: o for o in page.context["offices"]}
        self.assertEqual(set(offices), {self.main_office, self.branch_office})
        main = offices[self.main_office]
        states = {p["shift"].member_id: p["state"] for p in main["people"]}
        self.assertEqual(states[shift.member_id], "休憩中")
        self.assertEqual(
            set(states),
            set(
                PlanShift.objects.filter(date=day, plan__office=self.main_office).values_list(
                    "member_id", flat=True
                )
            ),
        )
        self.assertEqual(
            main["current"],
            datetime.time(shift.break_start.hour, 30 if shift.break_start.minute >= 30 else 0),
        )
        intervals = MonthPlan.objects.get(office=self.main_office, year=2026, month=4).intervals.filter(
            date=day
        )
        self.assertEqual(main["short"], sum(1 for i in intervals if i.scheduled < i.need))
        self.assertContains(page, "休憩中")
        self.assertContains(page, absent.name)
        self.assertContains(page, "通院")
        self.assertContains(page, "aria-current")
        # Another day by its date: no "now" column, and a closed day says so.
        self.login(self.site_manager)  # the session was stamped with the mocked clock
        other = self.client.get(reverse("staffing:intraday_day", kwargs={"date": "2026-04-08"}))
        self.assertEqual(other.status_code, 200)
        self.assertNotContains(other, "休憩中")
        closed = self.client.get(
            reverse("staffing:intraday_day", kwargs={"date": "2026-04-11"})
        )  # a Saturday
        self.assertContains(closed, "配置はありません")
        self.assertEqual(self.client.get("/staffing/today/2026-13-01/").status_code, 404)


class TrainingFromItsDateTest(BaseTestCase):
    def test_a_course_completed_mid_month_counts_from_its_date(self) -> None:
        (m,) = create_team(1)
        late = m.completions.order_by("-completed_on").first()
        late.completed_on = datetime.date(2026, 4, 15)
        late.save()
        roster = plan_april([self.main_office])
        data = services.roster_problem(roster=roster, today=BEFORE_APRIL)
        (w,) = data.problem.workers
        self.assertTrue(all(d == datetime.date(2026, 4, 15) for d in w.trained_from.values()))
        self.assertTrue(w.trained_from)


class HoursRuleInTheDatabaseTest(BaseTestCase):
    """The weekly and monthly maxima are database rules on SQLite and PostgreSQL alike (not only the solver's)."""

    def _shift(self, plan: MonthPlan, member: StaffMember, day: int) -> PlanShift:
        return PlanShift.objects.create(
            plan=plan,
            member=member,
            date=datetime.date(2026, 4, day),
            skill="phones",
            template_code="day",
            start=T(8, 30),
            end=T(17, 15),
            paid_minutes=465,
        )

    def _immediate(self) -> None:
        # PostgreSQL's trigger is deferred to the commit, which a test's transaction never reaches.
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")

    def test_a_week_over_the_maximum_across_two_offices_is_refused_by_the_database(self) -> None:
        member = StaffMember.objects.create(name="週 上限", contract_hours_per_week=Decimal("20"))
        plans = [
            MonthPlan.objects.create(office=office, year=2026, month=4)
            for office in (self.main_office, self.branch_office)
        ]
        with self.assertRaises(IntegrityError), transaction.atomic():
            self._immediate()
            for i, day in enumerate([6, 7, 8]):  # Mon–Wed, 3 × 465 min > 20 h, at two offices
                self._shift(plans[i % 2], member, day)
        self.assertFalse(PlanShift.objects.filter(member=member).exists())
        with transaction.atomic():  # two days in one week and a third in the next are within the rule
            self._immediate()
            for i, day in enumerate([9, 10, 13]):
                self._shift(plans[i % 2], member, day)
        self.assertEqual(PlanShift.objects.filter(member=member).count(), 3)

    def test_a_month_over_the_monthly_maximum_is_refused_by_the_database(self) -> None:
        member = StaffMember.objects.create(
            name="月 上限", contract_hours_per_week=Decimal("38.75"), max_hours_per_month=Decimal("20")
        )
        plan = MonthPlan.objects.create(office=self.main_office, year=2026, month=4)
        with self.assertRaises(IntegrityError), transaction.atomic():
            self._immediate()
            for day in (6, 14, 22):  # three weeks, 3 × 465 min > 20 h in April
                self._shift(plan, member, day)
        self.assertFalse(PlanShift.objects.filter(member=member).exists())
        with transaction.atomic():
            self._immediate()
            self._shift(plan, member, 6)
            self._shift(plan, member, 14)
        self.assertEqual(PlanShift.objects.filter(member=member).count(), 2)


@pytest.mark.postgres
class ConcurrentSolveTest(TransactionTestCase):
    def setUp(self) -> None:
        if connection.vendor != "postgresql":
            self.skipTest("PostgreSQL only (concurrent inserts, the weekly-hours constraint trigger)")

    def test_two_managers_solving_one_month_get_one_run_and_one_already_running(self) -> None:
        sync_roles()
        make_offices()
        users = [make_user(f"manager{i}", Role.SITE_MANAGER) for i in range(2)]
        roster = services.roster_get(year=2026, month=4)
        results = run_together(
            [
                lambda u=user: job_start(
                    kind="staffing.solve", params={"roster_id": roster.pk}, user=u, lock_key=roster.lock_key
                )
                for user in users
            ]
        )
        started = [r for r in results if isinstance(r, Job)]
        refused = [r for r in results if isinstance(r, JobAlreadyRunning)]
        self.assertEqual((len(started), len(refused)), (1, 1), results)
        self.assertEqual(Job.objects.filter(lock_key=roster.lock_key).count(), 1)

    def test_the_database_refuses_weekly_hours_over_the_maximum_across_offices(self) -> None:
        offices = make_offices()
        member = StaffMember.objects.create(name="週 上限", contract_hours_per_week=Decimal("20"))
        plans = [
            MonthPlan.objects.create(office=offices[code], year=2026, month=4)
            for code in ("honcho", "tanushimaru")
        ]
        with self.assertRaises(IntegrityError), transaction.atomic():
            for i, d in enumerate([6, 7, 8]):  # 3 × 465 min > 20 h, at two offices
                PlanShift.objects.create(
                    plan=plans[i % 2],
                    member=member,
                    date=datetime.date(2026, 4, d),
                    skill="phones",
                    template_code="day",
                    start=T(8, 30),
                    end=T(17, 15),
                    paid_minutes=465,
                )
        self.assertFalse(PlanShift.objects.filter(member=member).exists())

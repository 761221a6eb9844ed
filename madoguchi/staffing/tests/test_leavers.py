"""A leaver is taken off the team on their page; their name goes after the retention period, their record stays."""

from __future__ import annotations

import datetime

from django.urls import reverse
from django.utils import timezone

from madoguchi.accounts.models import AuditEvent
from madoguchi.accounts.testing import BaseTestCase
from madoguchi.retention.rules import rules
from madoguchi.staffing.models import PlanShift, Skill, StaffMember, TrainingCompletion, TrainingCourse
from madoguchi.staffing.services import departed_member_purge, month_plan_create, staff_member_create


def days_ago(n: int) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=n)


class LeaverTests(BaseTestCase):
    def setUp(self) -> None:
        self.member = staff_member_create(name="久留米 花子", skills=[Skill.PHONES])
        course = TrainingCourse.objects.get(code="privacy")
        self.completion = TrainingCompletion.objects.create(
            member=self.member,
            course=course,
            completed_on=datetime.date(2026, 4, 1),
            trainer="講師 佐藤",
            note="補講あり",
        )

    def take_off(self) -> None:
        self.login(self.site_manager)
        response = self.client.post(
            reverse("staffing:member_active", args=[self.member.pk]), {"active": "0"}, follow=True
        )
        self.assertContains(response, "久留米 花子さんの在籍を外しました。")
        self.member.refresh_from_db()

    def test_a_site_manager_takes_a_leaver_off_the_team_and_the_clock_starts(self) -> None:
        self.take_off()
        self.assertFalse(self.member.active)
        self.assertIsNotNone(self.member.left_at)
        self.assertTrue(
            AuditEvent.objects.filter(
                object_type="staffing.staffmember", object_id=str(self.member.pk)
            ).exists()
        )
        self.client.post(reverse("staffing:member_active", args=[self.member.pk]), {"active": "1"})
        self.member.refresh_from_db()
        self.assertEqual((self.member.active, self.member.left_at), (True, None))

    def test_someone_with_shifts_from_today_on_cannot_be_taken_off(self) -> None:
        today = timezone.localdate()
        plan = month_plan_create(office=self.main_office, year=today.year, month=today.month)
        PlanShift.objects.create(
            plan=plan,
            member=self.member,
            date=today,
            skill="phones",
            template_code="day",
            start=datetime.time(8, 30),
            end=datetime.time(17, 15),
            paid_minutes=465,
        )
        self.login(self.site_manager)
        response = self.client.post(
            reverse("staffing:member_active", args=[self.member.pk]), {"active": "0"}, follow=True
        )
        self.assertContains(response, "以降にシフトがあります。勤務不可日を登録してシフト表を作り直してから")
        self.member.refresh_from_db()
        self.assertTrue(self.member.active)

    def test_only_those_who_manage_staff_may_take_someone_off(self) -> None:
        for persona in (self.city_staff, self.operator, self.admin):
            self.login(persona)
            self.assertEqual(
                self.client.post(
                    reverse("staffing:member_active", args=[self.member.pk]), {"active": "0"}
                ).status_code,
                403,
            )
        self.assertEqual(
            self.client.get(reverse("staffing:member_active", args=[self.member.pk])).status_code, 405
        )
        self.member.refresh_from_db()
        self.assertTrue(self.member.active)

    def test_after_the_period_the_name_goes_but_training_dates_and_shifts_stay(self) -> None:
        self.take_off()
        StaffMember.objects.filter(pk=self.member.pk).update(left_at=days_ago(400))
        still = staff_member_create(name="最近 退職", skills=[Skill.PHONES])
        StaffMember.objects.filter(pk=still.pk).update(active=False, left_at=days_ago(10))

        self.assertEqual(departed_member_purge(before=days_ago(365), dry_run=True), 1)
        self.assertEqual(departed_member_purge(before=days_ago(365), dry_run=False), 1)
        self.member.refresh_from_db()
        self.completion.refresh_from_db()
        self.assertEqual(
            (self.member.name, self.member.note, self.member.calendar_token),
            (f"退職者{self.member.pk}", "", ""),
        )
        self.assertEqual(
            (self.completion.completed_on, self.completion.note), (datetime.date(2026, 4, 1), "")
        )
        still.refresh_from_db()
        self.assertEqual(still.name, "最近 退職")
        self.assertEqual(departed_member_purge(before=days_ago(365), dry_run=True), 0)  # once only

    def test_a_legal_hold_keeps_a_leaver_and_the_rule_is_on_the_schedule(self) -> None:
        self.take_off()
        StaffMember.objects.filter(pk=self.member.pk).update(left_at=days_ago(400))
        hold = [(days_ago(410), days_ago(390))]
        self.assertEqual(departed_member_purge(before=days_ago(365), dry_run=False, holds=hold), 0)
        kinds = {r.kind: r for r in rules()}
        self.assertEqual(kinds["staffing.departed_member"].days, 365)

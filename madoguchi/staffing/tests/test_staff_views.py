from __future__ import annotations

import datetime

from django.urls import reverse

from madoguchi.accounts.models import AuditEvent
from madoguchi.accounts.testing import BaseTestCase
from madoguchi.staffing.models import Skill, StaffMember, TrainingCompletion, TrainingCourse, Unavailability
from madoguchi.staffing.services import staff_member_create

READERS = {"site_manager", "director", "city_staff"}
RECORDERS = {"site_manager", "director"}


class StaffViewsTest(BaseTestCase):
    def setUp(self) -> None:
        self.member = staff_member_create(name="田中 陽子", skills=[Skill.PHONES])

    def test_role_matrix_of_the_staff_and_training_screens(self) -> None:
        self.assert_role_matrix(reverse("staffing:staff"), READERS)
        self.assert_role_matrix(reverse("staffing:training"), READERS)
        self.assert_role_matrix(reverse("staffing:member", kwargs={"pk": self.member.pk}), READERS)

    def test_only_site_managers_and_directors_record_training(self) -> None:
        course = TrainingCourse.objects.get(code="privacy")
        data = {
            "member": self.member.pk,
            "course": course.pk,
            "completed_on": "2026/3/20",
            "trainer": "講師 佐藤",
        }
        self.login(self.admin)
        self.assertEqual(self.client.post(reverse("staffing:training"), data).status_code, 403)
        self.login(self.city_staff)
        self.assertEqual(self.client.post(reverse("staffing:training"), data).status_code, 403)
        self.assertFalse(TrainingCompletion.objects.exists())
        self.login(self.site_manager)
        response = self.client.post(reverse("staffing:training"), {**data, "completed_on": "令和8年3月20日"})
        self.assertRedirects(response, reverse("staffing:training"))
        c = TrainingCompletion.objects.get()
        self.assertEqual(
            (c.member, c.course, c.completed_on, c.trainer, c.recorded_by),
            (self.member, course, datetime.date(2026, 3, 20), "講師 佐藤", self.site_manager),
        )

    def test_the_member_page_names_the_missing_courses(self) -> None:
        self.login(self.site_manager)
        response = self.client.get(reverse("staffing:member", kwargs={"pk": self.member.pk}))
        self.assertContains(response, "配置不可")
        self.assertContains(response, "「守秘義務と個人情報保護」")
        for course in TrainingCourse.objects.all():
            TrainingCompletion.objects.create(
                member=self.member, course=course, completed_on=datetime.date(2026, 3, 2), trainer="講師"
            )
        response = self.client.get(reverse("staffing:member", kwargs={"pk": self.member.pk}))
        self.assertContains(response, "電話応対: 配置可")

    def test_bad_training_input_gets_a_japanese_message_and_saves_nothing(self) -> None:
        self.login(self.director)
        course = TrainingCourse.objects.get(code="system")
        response = self.client.post(
            reverse("staffing:training"),
            {
                "member": self.member.pk,
                "course": course.pk,
                "completed_on": "いつか",
                "trainer": "123456789012",
            },
        )
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "日付を読み取れません", status_code=400)
        self.assertContains(response, "マイナンバー", status_code=400)
        self.assertFalse(TrainingCompletion.objects.exists())

    def test_registering_a_staff_member_and_a_day_of_leave(self) -> None:
        self.login(self.site_manager)
        response = self.client.post(
            reverse("staffing:staff"),
            {
                "name": "新井 翔",
                "skills": ["floor", "outreach"],
                "contract_hours_per_week": "30",
                "part_time": "on",
            },
        )
        member = StaffMember.objects.get(name="新井 翔")
        self.assertRedirects(response, reverse("staffing:member", kwargs={"pk": member.pk}))
        self.assertEqual((member.skills, member.part_time), (["floor", "outreach"], True))
        self.assertTrue(
            AuditEvent.objects.filter(object_type="staffing.staffmember", object_id=str(member.pk)).exists()
        )
        url = reverse("staffing:member", kwargs={"pk": member.pk})
        self.assertEqual(
            self.client.post(url, {"leave-date": "2026/4/10", "leave-reason": "年次休暇"}).status_code, 302
        )
        self.assertTrue(
            Unavailability.objects.filter(member=member, date=datetime.date(2026, 4, 10)).exists()
        )
        response = self.client.post(url, {"leave-date": "2026/4/10"})
        self.assertContains(response, "すでに勤務不可日", status_code=400)
        self.login(self.city_staff)
        self.assertEqual(self.client.post(url, {"leave-date": "2026/4/11"}).status_code, 403)
        self.assertEqual(self.client.post(reverse("staffing:staff"), {"name": "x"}).status_code, 403)

from __future__ import annotations

import datetime

from madoguchi.accounts.models import AuditEvent
from madoguchi.accounts.testing import BaseTestCase
from madoguchi.staffing.models import Skill, TrainingCourse
from madoguchi.staffing.services import (
    member_is_trained,
    staff_member_create,
    trained_members,
    training_completion_record,
    untrained_reason,
)


class TrainingServicesTest(BaseTestCase):
    def setUp(self) -> None:
        self.member = staff_member_create(
            name="山田 花子", skills=[Skill.PHONES, Skill.BACK_OFFICE], by=self.site_manager
        )

    def complete(self, *codes: str) -> None:
        for code in codes:
            training_completion_record(
                member=self.member,
                course=TrainingCourse.objects.get(code=code),
                completed_on=datetime.date(2026, 3, 20),
                trainer="研修担当 佐藤",
                by=self.site_manager,
            )

    def test_the_spec_courses_are_seeded(self) -> None:
        names = list(TrainingCourse.objects.values_list("name", flat=True))
        for expected in [
            "制度・カードの知識",
            "事務手順マニュアル",
            "守秘義務と個人情報保護",
            "接遇（市の立場での対応）",
            "障害者への合理的配慮",
            "委託開始前実地研修",
        ]:
            self.assertIn(expected, names)

    def test_it_names_every_missing_course(self) -> None:
        self.complete("system", "manual")
        reason = untrained_reason(member=self.member, skill=Skill.PHONES)
        self.assertIsNotNone(reason)
        assert reason is not None
        self.assertIn("守秘義務と個人情報保護", reason)
        self.assertIn("接遇（市の立場での対応）", reason)
        self.assertNotIn("制度・カードの知識", reason)
        self.assertFalse(member_is_trained(member=self.member, skill=Skill.PHONES))

    def test_back_office_does_not_need_the_resident_facing_courses(self) -> None:
        self.complete("system", "manual", "privacy", "onsite")
        self.assertTrue(member_is_trained(member=self.member, skill=Skill.BACK_OFFICE))
        self.assertFalse(member_is_trained(member=self.member, skill=Skill.PHONES))
        self.complete("hospitality", "accessibility")
        self.assertTrue(member_is_trained(member=self.member, skill=Skill.PHONES))

    def test_a_fully_trained_member_without_the_skill_is_refused(self) -> None:
        self.complete("system", "manual", "privacy", "onsite", "hospitality", "accessibility")
        reason = untrained_reason(member=self.member, skill=Skill.FLOOR)
        self.assertEqual(reason, "山田 花子さんはフロア案内の担当業務として登録されていません。")

    def test_an_inactive_member_is_never_trained(self) -> None:
        self.complete("system", "manual", "privacy", "onsite")
        self.member.active = False
        self.member.save(update_fields=["active"])
        self.assertFalse(member_is_trained(member=self.member, skill=Skill.BACK_OFFICE))

    def test_trained_members_agrees_with_member_is_trained(self) -> None:
        other = staff_member_create(name="鈴木 一郎", skills=[Skill.BACK_OFFICE])
        self.complete("system", "manual", "privacy", "onsite")
        fit = trained_members(skill=Skill.BACK_OFFICE)
        self.assertEqual([m.pk for m in fit], [self.member.pk])
        self.assertFalse(member_is_trained(member=other, skill=Skill.BACK_OFFICE))

    def test_recording_a_completion_writes_an_audit_row(self) -> None:
        before = AuditEvent.objects.count()
        self.complete("system")
        self.assertEqual(AuditEvent.objects.count(), before + 1)
        event = AuditEvent.objects.latest("at")
        self.assertEqual(event.object_type, "staffing.trainingcompletion")
        self.assertEqual(event.detail["course"], "system")

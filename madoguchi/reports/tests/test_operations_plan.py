"""Operations plan: generated from staffing, contacts and training; DOCX and PDF; submitted and approved."""

from __future__ import annotations

import datetime
import io

from docx import Document
from pypdf import PdfReader

from madoguchi.accounts.models import AuditEvent
from madoguchi.accounts.roles import Role
from madoguchi.accounts.testing import BaseTestCase
from madoguchi.reports import services
from madoguchi.reports.models import ContactEntry, OperationsPlan

PRODUCERS = {Role.DIRECTOR, Role.SITE_MANAGER}
READERS = PRODUCERS | {Role.CITY_STAFF}


def docx_text(content: bytes) -> str:
    doc = Document(io.BytesIO(content))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts += [c.text for c in row.cells]
    return "\n".join(parts)


class PlanTest(BaseTestCase):
    def setUp(self) -> None:
        from madoguchi.staffing.models import StaffMember, TrainingCompletion, TrainingCourse

        self.member = StaffMember.objects.create(name="山田 一郎", skills=["phones", "floor"])
        StaffMember.objects.create(name="佐藤 花", skills=["back_office"], part_time=True)
        self.course = TrainingCourse.objects.create(
            code="privacy-x", name="個人情報保護テスト研修", required_for=[]
        )
        TrainingCompletion.objects.create(
            member=self.member, course=self.course, completed_on=datetime.date(2026, 3, 20), trainer="講師A"
        )
        ContactEntry.objects.create(
            path="antisocial",
            step=1,
            side="external",
            role_title="所轄警察署",
            organisation="久留米警察署",
            phone="0942-00-0000",
            action="届出",
        )

    def test_the_content_carries_staffing_contacts_and_training(self) -> None:
        plan = services.plan_create(by=self.director, fiscal_year=2026)
        content = services.plan_content_now(plan)
        titles = [p["title"] for p in content["parts"]]
        self.assertEqual(
            titles, ["0. 業務実施方針", "1. 業務体制（人員配置）", "2. 連絡体制", "3. 教育計画（研修）"]
        )
        staffing = content["parts"][1]
        self.assertIn("業務従事者 2 名（うち短時間勤務 1 名）", staffing["paragraphs"][0])
        contacts = content["parts"][2]["tables"]
        antisocial = next(t for t in contacts if t["caption"] == "暴力団等からの不当要求")
        self.assertEqual(antisocial["rows"][0][2], "所轄警察署")
        training = content["parts"][3]["tables"][0]["rows"]
        self.assertIn(["個人情報保護テスト研修", "", "全員", "1 / 2"], training)

    def test_docx_and_pdf_open_with_the_plan_text(self) -> None:
        plan = services.plan_create(by=self.director, fiscal_year=2026)
        self.login(self.site_manager)
        response = self.client.get(f"/reports/plans/{plan.pk}.docx")
        text = docx_text(response.content)
        self.assertIn("業務計画書（令和8年度）", text)
        self.assertIn("令和8年4月1日から令和9年3月31日まで", text)
        self.assertIn("久留米警察署", text)
        self.assertIn("個人情報保護テスト研修", text)
        response = self.client.get(f"/reports/plans/{plan.pk}.pdf")
        pdf = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
        self.assertIn("業務計画書（令和8年度）", pdf)
        self.assertIn("連絡体制", pdf)
        self.assertEqual(
            AuditEvent.objects.filter(action="export", object_type="reports.operationsplan").count(), 2
        )

    def test_submission_freezes_the_content_and_city_staff_approve(self) -> None:
        plan = services.plan_create(by=self.director, fiscal_year=2026)
        services.plan_submit(by=self.director, plan=plan)
        ContactEntry.objects.create(path="regular", step=1, side="city", role_title="市民課 係長")
        plan.refresh_from_db()
        frozen = services.plan_content_now(plan)
        regular = next(t for t in frozen["parts"][2]["tables"] if t["caption"] == "平常時の連絡・報告")
        self.assertEqual(regular["rows"][0][2], "（未登録）")
        with self.assertRaisesMessage(services.ReportError, "理由"):
            services.plan_decide(by=self.city_staff, plan=plan, approve=False, comment=" ")
        services.plan_decide(by=self.city_staff, plan=plan, approve=True, comment="承諾します")
        plan.refresh_from_db()
        self.assertEqual(plan.status, OperationsPlan.Status.APPROVED)
        self.assertEqual(plan.decided_by, self.city_staff)
        self.assertIsNotNone(plan.decided_at)
        self.assertTrue(
            AuditEvent.objects.filter(
                object_type="reports.operationsplan", detail__status="approved"
            ).exists()
        )
        text = docx_text(
            __import__("madoguchi.reports.render.plan", fromlist=["plan_docx"]).plan_docx(plan, frozen)
        )
        self.assertIn("承諾日", text)
        with self.assertRaisesMessage(services.ReportError, "変更できません"):
            services.plan_update(by=self.director, plan=plan, title="x", policy="y")

    def test_a_returned_plan_is_edited_and_resubmitted(self) -> None:
        plan = services.plan_create(by=self.director, fiscal_year=2026)
        services.plan_submit(by=self.director, plan=plan)
        services.plan_decide(
            by=self.city_staff, plan=plan, approve=False, comment="研修日程を追記してください"
        )
        plan.refresh_from_db()
        self.assertEqual(plan.status, OperationsPlan.Status.RETURNED)
        services.plan_update(by=self.director, plan=plan, title="業務計画書", policy="研修は3月に実施する。")
        services.plan_submit(by=self.director, plan=plan)
        plan.refresh_from_db()
        self.assertEqual(plan.content["parts"][0]["paragraphs"], ["研修は3月に実施する。"])
        with self.assertRaisesMessage(services.ReportError, "承諾待ち"):
            services.plan_create(by=self.director, fiscal_year=2026)

    def test_roles(self) -> None:
        plan = services.plan_create(by=self.director, fiscal_year=2026)
        self.assert_role_matrix("/reports/plans/", READERS)
        self.assert_role_matrix(f"/reports/plans/{plan.pk}/", READERS)
        self.assert_role_matrix(f"/reports/plans/{plan.pk}.docx", READERS)
        self.assert_role_matrix("/reports/contacts/", READERS)
        entry = ContactEntry.objects.get()
        self.assert_role_matrix(f"/reports/contacts/{entry.pk}/", PRODUCERS)
        self.assert_role_matrix(f"/reports/plans/{plan.pk}/submit/", PRODUCERS, method="post", ok_status=302)
        self.assert_role_matrix(
            f"/reports/plans/{plan.pk}/decide/",
            {Role.CITY_STAFF},
            method="post",
            data={"decision": "approve"},
            ok_status=302,
        )
        plan.refresh_from_db()
        self.assertEqual(plan.status, OperationsPlan.Status.APPROVED)
        for persona in (self.operator, self.back_office, self.floor, self.city_staff, self.admin):
            self.login(persona)
            self.assertEqual(self.client.post(f"/reports/contacts/{entry.pk}/delete/").status_code, 403)
        self.login(self.site_manager)
        self.assertEqual(self.client.post(f"/reports/contacts/{entry.pk}/delete/").status_code, 302)
        self.assertFalse(ContactEntry.objects.exists())

    def test_city_staff_cannot_create_a_plan_or_contacts(self) -> None:
        self.login(self.city_staff)
        self.assertEqual(self.client.post("/reports/plans/", {"fiscal_year": 2026}).status_code, 403)
        self.assertEqual(self.client.post("/reports/contacts/", {"path": "regular"}).status_code, 403)
        self.assertFalse(OperationsPlan.objects.exists())

    def test_the_contact_form_refuses_an_individual_number(self) -> None:
        self.login(self.site_manager)
        response = self.client.post(
            "/reports/contacts/",
            {
                "path": "trouble",
                "step": 1,
                "side": "contractor",
                "role_title": "業務管理者",
                "action": "123456789018",
            },
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "has-error")
        self.assertEqual(ContactEntry.objects.filter(path="trouble").count(), 0)

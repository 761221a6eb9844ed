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

from .factories import job_result

PRODUCERS = {Role.DIRECTOR, Role.SITE_MANAGER}
READERS = PRODUCERS | {Role.CITY_STAFF}


def docx_text(content: bytes) -> str:
    doc = Document(io.BytesIO(content))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts += [c.text for c in row.cells]
    return "\n".join(parts)


def complete_plan_records(office, member) -> None:  # type: ignore[no-untyped-def]
    """What a complete plan needs besides staff and training: every contact path, an April shift plan
    with its intervals, and the year's calendar (a holiday opening and a busy season)."""
    from madoguchi.calendar.models import BusySeason, SpecialDay
    from madoguchi.staffing.models import MonthPlan, PlanInterval, PlanShift

    for path in ("regular", "trouble", "incident", "absence"):
        ContactEntry.objects.create(path=path, step=1, side="contractor", role_title="統括管理者")
    plan = MonthPlan.objects.create(office=office, year=2026, month=4, status="solved", paid_minutes=480)
    day = datetime.date(2026, 4, 2)  # a Thursday
    PlanShift.objects.create(
        plan=plan,
        member=member,
        date=day,
        skill="phones",
        template_code="A",
        start=datetime.time(8, 30),
        end=datetime.time(19, 0),
        paid_minutes=480,
    )
    for start, n in ((datetime.time(9, 0), 3), (datetime.time(12, 0), 2), (datetime.time(17, 30), 1)):
        PlanInterval.objects.create(
            plan=plan,
            date=day,
            start=start,
            end=(datetime.datetime.combine(day, start) + datetime.timedelta(minutes=15)).time(),
            skill="phones",
            scheduled=n,
        )
    SpecialDay.objects.create(date=datetime.date(2026, 5, 17), kind="holiday_issuance", reason="休日交付")
    BusySeason.objects.create(name="年度末", start=datetime.date(2027, 3, 22), end=datetime.date(2027, 3, 31))


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
        complete_plan_records(self.main_office, self.member)

    def test_the_content_carries_staffing_contacts_and_training(self) -> None:
        plan = services.plan_create(by=self.director, fiscal_year=2026)
        content = services.plan_content_now(plan)
        titles = [p["title"].split(". ", 1)[1] for p in content["parts"]]
        self.assertEqual(
            titles[:6],
            [
                "業務実施方針",
                "業務体制（実施場所・業務時間・回線）",
                "業務体制（人員配置）",
                "人員配置（庁舎別・時間帯別）",
                "連絡体制",
                "教育計画（研修）",
            ],
        )
        self.assertEqual(
            [t.split(" ", 1)[1] for t in titles[6:14]],
            [
                f"4({i}) " + t
                for i, t in enumerate(
                    [
                        "コールセンター業務",
                        "出張申請に関する業務",
                        "フロア業務",
                        "マイナンバーカードの交付前準備",
                        "マイナンバーカード交付後処理",
                        "マイナポータルを使った手続きサポート",
                        "執務室内の電話対応",
                        "急激な繁忙・不測の事態への対応",
                    ],
                    start=1,
                )
            ],
        )
        self.assertEqual(
            titles[14:], ["年間予定", "個人情報保護・セキュリティ（仕様書12）", "引継ぎ計画（仕様書8）"]
        )
        parts = {p["title"].split(". ", 1)[1]: p for p in content["parts"]}
        staffing = parts["業務体制（人員配置）"]
        self.assertIn("業務従事者 2 名（うち短時間勤務 1 名）", staffing["paragraphs"][0])
        antisocial = next(t for t in parts["連絡体制"]["tables"] if t["caption"] == "暴力団等からの不当要求")
        self.assertEqual(antisocial["rows"][0][2], "所轄警察署")
        training = parts["教育計画（研修）"]["tables"][0]["rows"]
        self.assertIn(["個人情報保護テスト研修", "", "全員", "1 / 2"], training)
        by_time = parts["人員配置（庁舎別・時間帯別）"]["tables"][0]["rows"]
        self.assertIn([self.main_office.name, "木曜・午前", "電話応対", "3.0"], by_time)
        self.assertIn([self.main_office.name, "木曜・夜間延長", "電話応対", "1.0"], by_time)
        schedule = parts["年間予定"]["tables"][0]["rows"]
        self.assertEqual([r[1] for r in schedule], ["休日交付", "年末年始の休業", "繁忙期（夜間延長）"])
        self.assertEqual(services.plan_missing(content), [])

    def test_a_plan_with_an_empty_part_or_a_month_without_shifts_is_not_submitted(self) -> None:
        from madoguchi.staffing.models import MonthPlan

        MonthPlan.objects.create(office=self.branch_office, year=2026, month=5, status="draft")
        plan = services.plan_create(by=self.director, fiscal_year=2026)
        services.plan_update(
            by=self.director, plan=plan, title="業務計画書", policy="方針", sections={"security": ""}
        )
        with self.assertRaises(services.ReportError) as caught:
            services.plan_submit(by=self.director, plan=plan)
        message = str(caught.exception)
        self.assertIn(f"2026年5月 {self.branch_office.name} のシフトがありません", message)
        self.assertIn("「個人情報保護・セキュリティ（仕様書12）」が空欄です", message)
        plan.refresh_from_db()
        self.assertEqual(plan.status, OperationsPlan.Status.DRAFT)

    def test_docx_and_pdf_open_with_the_plan_text(self) -> None:
        plan = services.plan_create(by=self.director, fiscal_year=2026)
        self.login(self.site_manager)
        _, content = job_result(self.client.get(f"/reports/plans/{plan.pk}.docx"))
        text = docx_text(content)
        self.assertIn("業務計画書（令和8年度）", text)
        self.assertIn("令和8年4月1日から令和9年3月31日まで", text)
        self.assertIn("久留米警察署", text)
        self.assertIn("個人情報保護テスト研修", text)
        _, content = job_result(self.client.get(f"/reports/plans/{plan.pk}.pdf"))
        pdf = "".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)
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
        contacts = next(p for p in frozen["parts"] if p["title"].endswith("連絡体制"))
        regular = next(t for t in contacts["tables"] if t["caption"] == "平常時の連絡・報告")
        self.assertEqual([r[2] for r in regular["rows"]], ["統括管理者"])  # the later entry is not in it
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
        self.assert_role_matrix(f"/reports/plans/{plan.pk}.docx", READERS, ok_status=302)
        self.assert_role_matrix("/reports/contacts/", READERS)
        entry = ContactEntry.objects.get(path="antisocial")
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
        self.assertFalse(ContactEntry.objects.filter(pk=entry.pk).exists())

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
        self.assertEqual(ContactEntry.objects.filter(path="trouble", role_title="業務管理者").count(), 0)

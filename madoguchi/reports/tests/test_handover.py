"""The handover package: one ZIP with the FAQ manual, procedures and every open item; personal data only by
an explicit, authorised choice; every generation audit-logged."""

from __future__ import annotations

import datetime
import io
import zipfile

from django.core.files.storage import default_storage
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from madoguchi.accounts.models import AuditEvent
from madoguchi.accounts.roles import Role
from madoguchi.accounts.testing import BaseTestCase
from madoguchi.calls.models import Callback
from madoguchi.jobs.testing import run_queued_jobs
from madoguchi.reports import services

from .factories import make_card


def sheet_rows(book: bytes, name: str) -> list[list[object]]:
    wb = load_workbook(io.BytesIO(book))
    return [list(r) for r in wb[name].iter_rows(values_only=True)]


class HandoverTest(BaseTestCase):
    def setUp(self) -> None:
        from madoguchi.cards.models import StorageLocation
        from madoguchi.faq.models import FaqEntry

        loc = StorageLocation.objects.create(cabinet="A", box="03")
        self.card = make_card(
            self.main_office, state="filed", storage_location=loc, holding_deadline=datetime.date(2026, 7, 1)
        )
        make_card(self.main_office, state="filed", storage_location=loc)
        make_card(self.main_office, state="issued", issued_on=datetime.date(2026, 4, 2))
        Callback.objects.create(
            source="overflow",
            reason="予約の変更希望",
            name="引継 太郎",
            phone="0942-11-2222",
            due_at=timezone.now() - datetime.timedelta(hours=1),
        )
        FaqEntry.objects.create(
            category="交付",
            question="受け取りに必要なものは？",
            answer="交付通知書と本人確認書類です。",
            state="approved",
        )
        FaqEntry.objects.create(category="交付", question="代理人は？", answer="下書き", state="draft")

    def test_the_zip_holds_the_manual_procedures_and_open_items_without_personal_data(self) -> None:
        package = services.handover_generate(by=self.site_manager)
        zf = zipfile.ZipFile(io.BytesIO(package.content))
        names = zf.namelist()
        for expected in (
            "00_引継ぎ書.pdf",
            "01_質疑応答集/質疑応答集（承認済み）.pdf",
            "01_質疑応答集/質疑応答集（承認済み）.xlsx",
            "02_業務手順書/業務手順書.pdf",
            "03_未完了案件/未完了案件.xlsx",
        ):
            self.assertIn(expected, names)
        self.assertFalse([n for n in names if n.endswith(".md")])  # developer docs stay out of the handover
        manual = "".join(
            p.extract_text()
            for p in PdfReader(io.BytesIO(zf.read("01_質疑応答集/質疑応答集（承認済み）.pdf"))).pages
        )
        self.assertIn("受け取りに必要なものは", manual)
        self.assertNotIn("代理人は", manual)
        book = zf.read("03_未完了案件/未完了案件.xlsx")
        cards = sheet_rows(book, "未交付のカード（状態・収納場所）")
        flat = [c for row in cards for c in row]
        self.assertIn(self.card.notice_number, flat)
        self.assertIn("A-03", flat)
        self.assertIn("収納済", flat)
        self.assertNotIn("報告 花子", flat)
        callbacks = [c for row in sheet_rows(book, "未完了の折り返し") for c in row]
        self.assertIn("超過", callbacks)
        self.assertNotIn("引継 太郎", callbacks)
        self.assertNotIn("0942-11-2222", callbacks)
        drafts = [c for row in sheet_rows(book, "承認待ち・下書きの質疑応答") for c in row]
        self.assertIn("代理人は？", drafts)
        self.assertEqual(package.counts["未完了の折り返し"], 1)
        self.assertEqual(package.counts["未交付のカード（状態・収納場所）"], 2)
        # One row (収納済 at A-03) standing for two cards.
        self.assertEqual(package.counts["未交付のカード 状態別・収納場所別の枚数"], 2)
        self.assertEqual(
            sheet_rows(book, "未交付のカード 状態別・収納場所別の枚数")[3], ["収納済", "A-03", 2]
        )
        summary = "".join(p.extract_text() for p in PdfReader(io.BytesIO(zf.read("00_引継ぎ書.pdf"))).pages)
        self.assertIn("含まない", summary)
        event = AuditEvent.objects.get(object_type="reports.handover")
        self.assertEqual(event.detail["include_personal"], False)
        self.assertEqual(event.actor, self.site_manager)

    def test_personal_data_only_by_the_director_with_a_reason(self) -> None:
        with self.assertRaisesMessage(services.ReportError, "権限がありません"):
            services.handover_generate(by=self.site_manager, include_personal=True, reason="引継ぎ")
        with self.assertRaisesMessage(services.ReportError, "理由"):
            services.handover_generate(by=self.director, include_personal=True, reason="")
        package = services.handover_generate(
            by=self.director, include_personal=True, reason="次期受託者への引継ぎ"
        )
        zf = zipfile.ZipFile(io.BytesIO(package.content))
        book = zf.read("03_未完了案件/未完了案件.xlsx")
        self.assertIn("引継 太郎", [c for row in sheet_rows(book, "未完了の折り返し") for c in row])
        self.assertIn(
            "報告 花子", [c for row in sheet_rows(book, "未交付のカード（状態・収納場所）") for c in row]
        )
        event = AuditEvent.objects.get(object_type="reports.handover")
        self.assertEqual(event.detail["include_personal"], True)
        self.assertNotIn("引継 太郎", str(event.detail))

    def test_the_screen_downloads_a_zip_and_only_producers_may(self) -> None:
        self.assert_role_matrix("/reports/handover/", {Role.DIRECTOR, Role.SITE_MANAGER})
        self.login(self.site_manager)
        page = self.client.get("/reports/handover/")
        self.assertNotContains(page, "include_personal")
        response = self.client.post("/reports/handover/", {"include_personal": "on", "reason": "x"})
        # Built by a background job: the browser is sent to the job page, the ZIP is its result file.
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response["Location"].startswith("/jobs/"))
        (job,) = run_queued_jobs()
        self.assertEqual(job.state, "done", job.error_message)
        self.assertEqual(job.result_content_type, "application/zip")
        with default_storage.open(job.result_file) as handle:
            zipfile.ZipFile(io.BytesIO(handle.read())).testzip()
        self.assertFalse(
            AuditEvent.objects.filter(object_type="reports.handover", detail__include_personal=True).exists()
        )
        self.login(self.director)
        self.assertContains(self.client.get("/reports/handover/"), "include_personal")
        response = self.client.post("/reports/handover/", {"include_personal": "on", "reason": ""})
        self.assertContains(response, "個人情報を含める理由を入力してください")

    def test_a_reason_with_an_individual_number_gets_one_clear_message(self) -> None:
        self.login(self.director)
        response = self.client.post(
            "/reports/handover/", {"include_personal": "on", "reason": "1234-5678-9018 の件"}
        )
        self.assertContains(response, "個人番号")
        self.assertNotContains(response, "個人情報を含める理由を入力してください")
        self.assertFalse(AuditEvent.objects.filter(object_type="reports.handover").exists())

    def test_the_procedures_manual_has_a_contents_page_and_a_chapter_per_role(self) -> None:
        import datetime

        from madoguchi.lib.pdf import missing_glyphs
        from madoguchi.reports.manual import MANUAL, manual_pdf

        pdf = manual_pdf(printed_at=datetime.datetime(2026, 11, 29, 4, 50, tzinfo=datetime.UTC))
        pages = [p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages]
        first = pages[0]
        self.assertIn("目次", first)
        self.assertIn("13:50", first)  # 04:50 UTC printed as Tokyo time
        self.assertIn("令和8年11月29日", first)
        for number, chapter in enumerate(MANUAL, start=1):
            self.assertIn(f"{number}. {chapter.role}", first)
            self.assertTrue(any(f"{number}. {chapter.role}" in page for page in pages[1:]))
        self.assertEqual(
            [c.role.split("（")[0] for c in MANUAL],
            ["オペレーター", "交付事務", "フロア案内", "業務管理者", "統括管理者"],
        )
        text = " ".join(step for c in MANUAL for t in c.tasks for step in (t.title, *t.steps, t.note))
        self.assertEqual(missing_glyphs(text), set())  # nothing prints as a box
        self.assertNotIn("**", text)
        self.assertNotIn("`", text)

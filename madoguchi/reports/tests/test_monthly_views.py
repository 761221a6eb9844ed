"""The monthly report screens: who may see, download, submit and confirm; the files; bad months."""

from __future__ import annotations

import io

from openpyxl import load_workbook
from pypdf import PdfReader

from madoguchi.accounts.models import AuditEvent
from madoguchi.accounts.roles import Role
from madoguchi.accounts.testing import BaseTestCase
from madoguchi.jobs.testing import run_queued_jobs
from madoguchi.reports import reconcile
from madoguchi.reports.models import MonthlyReport, MonthlyReportVersion

from .factories import at, contract_settings, job_result, load_calls, make_card, step, submit_month

READERS = {Role.DIRECTOR, Role.SITE_MANAGER, Role.CITY_STAFF}


class MonthlyViewTest(BaseTestCase):
    def test_only_managers_and_city_staff_see_the_report(self) -> None:
        self.assert_role_matrix("/reports/monthly/?month=2026-04", READERS)
        # Documents are built by a background job: the reader is sent to the job's page.
        self.assert_role_matrix("/reports/monthly/2026-04.xlsx", READERS, method="post", ok_status=302)
        self.assert_role_matrix("/reports/monthly/2026-04.pdf", READERS, method="post", ok_status=302)
        self.assert_role_matrix("/reports/monthly/2026-04/chart/calls.png", READERS)

    def test_only_the_director_submits_and_only_city_staff_confirm(self) -> None:
        load_calls({"2026-03": [1, 1, 1, 3]})
        contract_settings()
        reconcile.month_close(by=self.director, year=2026, month=3)
        self.assert_role_matrix(
            "/reports/monthly/2026-03/submit/", {Role.DIRECTOR}, method="post", ok_status=302
        )
        (job,) = run_queued_jobs()
        self.assertEqual(job.state, "done", job.error_message)
        self.assertTrue(MonthlyReport.objects.filter(year=2026, month=3).exists())
        self.assert_role_matrix(
            "/reports/monthly/2026-03/receive/",
            {Role.CITY_STAFF},
            method="post",
            data={"number": 0},
            ok_status=302,
        )
        self.assertIsNotNone(MonthlyReportVersion.objects.get(report__month=3, number=0).received_at)

    def test_the_page_shows_the_call_table_and_charts_from_urls(self) -> None:
        load_calls({"2026-04": [12, 7, 2, 21]})
        self.login(self.director)
        response = self.client.get("/reports/monthly/?month=2026-04")
        self.assertContains(response, "業務完了報告書（月報） 令和8年4月")
        self.assertContains(response, '<td class="num">12</td>', html=False)
        self.assertContains(response, '<td class="num">21</td>', html=False)
        self.assertContains(response, 'src="/reports/monthly/2026-04/chart/calls.png"')
        self.assertNotContains(response, "style=")
        self.assertTrue(
            AuditEvent.objects.filter(
                action="view", object_type="reports.monthlyreport", object_id="2026-04"
            ).exists()
        )

    def test_a_future_month_gets_a_clear_message(self) -> None:
        self.login(self.site_manager)
        response = self.client.get("/reports/monthly/?month=2099-01")
        self.assertContains(response, "まだ始まっていない", status_code=400)
        response = self.client.get("/reports/monthly/?month=2026-13")
        self.assertContains(response, "年月として読めません", status_code=400)

    def test_the_htmx_request_gets_only_the_fragment(self) -> None:
        self.login(self.city_staff)
        response = self.client.get("/reports/monthly/?month=2026-04", headers={"HX-Request": "true"})
        self.assertNotContains(response, "<html")
        self.assertContains(response, "令和8年4月")

    def test_the_xlsx_download_opens_and_is_audited(self) -> None:
        card = make_card(self.main_office)
        step(card, "issued", at("2026-04-10"))
        self.login(self.director)
        job, content = job_result(self.client.post("/reports/monthly/2026-04.xlsx"))
        self.assertEqual(
            job.result_content_type, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        wb = load_workbook(io.BytesIO(content))
        self.assertEqual(
            wb.sheetnames, ["月報", "グラフ", "対応状況全件", "カード受払簿", "カード返納・廃棄簿"]
        )
        text = " ".join(
            str(v) for row in wb["月報"].iter_rows(values_only=True) for v in row if v is not None
        )
        self.assertIn("交付日が記録されていない", text)
        self.assertIn(card.notice_number, text)
        appendix = [r for r in wb["対応状況全件"].iter_rows(values_only=True)]
        self.assertIn(card.notice_number, [r[1] for r in appendix])
        self.assertEqual(len(wb["グラフ"]._images), 3)
        self.assertEqual(wb["対応状況全件"].freeze_panes, "A3")
        # The card books print days in 和暦 like the rest of the report.
        book_days = [r[0] for r in wb["カード受払簿"].iter_rows(values_only=True) if r and r[0]]
        self.assertIn("令和8年4月10日", book_days)
        self.assertFalse([d for d in book_days if str(d).startswith("2026-")])
        self.assertEqual(wb["対応状況全件"].page_setup.orientation, "landscape")
        self.assertTrue(
            AuditEvent.objects.filter(action="export", object_id="2026-04", detail__format="xlsx").exists()
        )

    def test_the_pdf_download_has_japanese_text(self) -> None:
        self.login(self.city_staff)
        job, content = job_result(self.client.post("/reports/monthly/2026-04.pdf", {"scope": "fiscal_year"}))
        self.assertEqual(job.result_content_type, "application/pdf")
        reader = PdfReader(io.BytesIO(content))
        text = "".join(p.extract_text() for p in reader.pages)
        self.assertIn("業務完了報告書（年度累計） 令和8年度（4月〜4月）", text)
        self.assertIn("対応状況全件", text)

    def test_an_unknown_format_or_chart_is_not_found(self) -> None:
        self.login(self.director)
        self.assertEqual(self.client.post("/reports/monthly/2026-04.csv").status_code, 404)
        # A link (or a prefetch) does not start the document job.
        self.assertEqual(self.client.get("/reports/monthly/2026-04.pdf").status_code, 405)
        self.assertEqual(self.client.get("/reports/monthly/2026-04/chart/nope.png").status_code, 404)

    def test_the_chart_is_a_png(self) -> None:
        load_calls({"2026-04": [3, 2, 1, 6]})
        self.login(self.director)
        response = self.client.get("/reports/monthly/2026-04/chart/calls.png")
        self.assertEqual(response["Content-Type"], "image/png")
        self.assertTrue(response.content.startswith(b"\x89PNG"))

    def test_edits_after_submission_are_flagged_on_the_page(self) -> None:
        load_calls({"2026-03": [1, 1, 1, 3]})
        submit_month(self.director, 2026, 3)
        self.login(self.director)
        load_calls({"2026-03": [1, 0, 0, 1]})
        response = self.client.get("/reports/monthly/?month=2026-03")
        self.assertContains(response, "提出後にこの月のデータが変更されています")
        self.assertContains(response, "3月 予約")


class DashboardWidgetTest(BaseTestCase):
    def test_the_widget_links_each_role_to_what_it_may_open(self) -> None:
        self.login(self.site_manager)
        response = self.client.get("/")
        self.assertContains(response, 'href="/reports/monthly/"')
        self.assertContains(response, 'href="/reports/handover/"')
        self.login(self.city_staff)
        response = self.client.get("/")
        self.assertContains(response, 'href="/reports/plans/"')
        self.assertNotContains(response, 'href="/reports/handover/"')
        self.login(self.operator)
        self.assertNotContains(self.client.get("/"), 'href="/reports/monthly/"')

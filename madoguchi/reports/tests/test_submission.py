"""Submitting a month: 鑑 + 別紙 stored byte for byte with SHA-256, read back and compared to the data;
訂正版 after later changes; the city's receipt per version; every version downloadable."""

from __future__ import annotations

import datetime
import hashlib
import io

from openpyxl import load_workbook
from pypdf import PdfReader

from madoguchi.accounts.testing import BaseTestCase
from madoguchi.calls.models import Call
from madoguchi.reports import reconcile, services
from madoguchi.reports.models import ContractSettings, MonthlyReport, MonthlyReportVersion

from .factories import at, contract_settings, load_calls, make_card, step, submit_month

DEC = datetime.date(2026, 12, 1)


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


class SubmitRefusalTest(BaseTestCase):
    def test_a_missing_contract_setting_is_named(self) -> None:
        load_calls({"2026-04": [1, 0, 0, 1]})
        reconcile.month_close(by=self.director, year=2026, month=4, today=DEC)
        with self.assertRaisesMessage(services.ReportError, "契約情報が未設定です"):
            services.monthly_report_submit(by=self.director, year=2026, month=4, today=DEC)
        ContractSettings.objects.create(
            city_name="試験市",
            addressee="",
            section="市民課",
            contractor="株式会社テスト",
            representative="",
            contract_name="業務",
            period_start=datetime.date(2026, 4, 1),
            period_end=datetime.date(2027, 3, 31),
        )
        with self.assertRaisesMessage(
            services.ReportError, "未入力の項目があります（宛名、代表者（役職・氏名））"
        ):
            services.monthly_report_submit(by=self.director, year=2026, month=4, today=DEC)
        self.assertFalse(MonthlyReport.objects.exists())

    def test_a_month_not_closed_or_without_any_record_is_refused(self) -> None:
        contract_settings()
        load_calls({"2026-04": [1, 0, 0, 1]})
        with self.assertRaisesMessage(services.ReportError, "まだ締められていません"):
            services.monthly_report_submit(by=self.director, year=2026, month=4, today=DEC)
        reconcile.month_close(by=self.director, year=2026, month=6, today=DEC)
        with self.assertRaisesMessage(services.ReportError, "記録が1件もない"):
            services.monthly_report_submit(by=self.director, year=2026, month=6, today=DEC)
        self.assertFalse(MonthlyReportVersion.objects.exists())


class SubmitTest(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        load_calls({"2026-04": [12, 7, 2, 21]})
        self.card = make_card(self.main_office)
        step(self.card, "set_up", at("2026-04-03", 10))
        contract_settings()
        reconcile.month_commentary_save(
            by=self.director,
            year=2026,
            month=4,
            special_notes="4月は繁忙期のため6回線で対応した。",
            problems="",
            improvements="折り返しの期限管理を見直した。",
        )

    def test_the_first_submission_stores_the_exact_files_with_their_hashes(self) -> None:
        version = submit_month(self.director)
        self.assertEqual((version.number, version.label), (0, "初版"))
        self.assertEqual(version.pdf_sha256, hashlib.sha256(bytes(version.pdf)).hexdigest())
        self.assertEqual(version.xlsx_sha256, hashlib.sha256(bytes(version.xlsx)).hexdigest())
        text = pdf_text(bytes(version.pdf))
        for expected in (
            "試験市長",
            "株式会社テスト窓口",
            "代表取締役 試験 一郎",
            "業務完了報告書（令和8年4月分）",
            "マイナンバーカード窓口業務委託（試験）",
            "令和8年4月1日 から 令和9年3月31日 まで",
            "4月は繁忙期のため6回線で対応した。",
            "折り返しの期限管理を見直した。",
            "別紙2",
            self.card.notice_number,
            "令和8年4月3日 10:00",  # the appendix gives the time the card was handled
        ):
            self.assertIn(expected, text)
        self.assertNotIn("久留米", text)  # nothing city-specific comes from the code
        wb = load_workbook(io.BytesIO(bytes(version.xlsx)))
        self.assertEqual(
            wb.sheetnames, ["鑑", "月報", "グラフ", "対応状況全件", "カード受払簿", "カード返納・廃棄簿"]
        )
        cover = [v for row in wb["鑑"].iter_rows(values_only=True) for v in row if v]
        self.assertIn("試験市長　様", cover)
        calls = [r for r in wb["月報"].iter_rows(values_only=True) if r and r[0] == "4月"]
        self.assertEqual(list(calls[0][:5]), ["4月", 12, 7, 2, 21])

    def test_the_version_download_is_byte_for_byte_what_was_submitted(self) -> None:
        version = submit_month(self.director)
        self.login(self.city_staff)
        for fmt, digest in (("pdf", version.pdf_sha256), ("xlsx", version.xlsx_sha256)):
            response = self.client.get(f"/reports/monthly/2026-04/v0.{fmt}")
            self.assertEqual(hashlib.sha256(response.content).hexdigest(), digest)
        page = self.client.get("/reports/monthly/?month=2026-04")
        self.assertContains(page, version.pdf_sha256)

    def test_a_later_change_gives_a_numbered_correction_with_what_changed(self) -> None:
        first = submit_month(self.director)
        with self.assertRaisesMessage(services.ReportError, "その後の変更もありません"):
            submit_month(self.director)
        Call.objects.create(
            direction="inbound", status="ended", started_at=at("2026-04-20"), category="other"
        )
        with self.assertRaisesMessage(services.ReportError, "訂正の理由を入力してください"):
            submit_month(self.director)
        second = submit_month(self.director, reason="4月20日の入電1件の記録漏れを追加")
        self.assertEqual((second.number, second.label), (1, "訂正版（第1版）"))
        changed = {c["key"]: (c["submitted"], c["now"]) for c in second.changes}
        self.assertEqual(changed["call_table.2026-04.other"], (2, 3))
        self.assertEqual(changed["call_table.2026-04.total"], (21, 22))
        text = pdf_text(bytes(second.pdf))
        self.assertIn("訂正版（第1版）", text)
        self.assertIn("4月20日の入電1件の記録漏れを追加", text)
        self.assertIn("4月 その他", text)
        first.refresh_from_db()
        self.assertEqual(first.pdf_sha256, hashlib.sha256(bytes(first.pdf)).hexdigest())  # the 初版 stays
        self.assertEqual(services.monthly_report_build(year=2026, month=4, today=DEC).changes, [])

    def test_the_city_confirms_receipt_of_the_latest_version_once(self) -> None:
        first = submit_month(self.director)
        Call.objects.create(
            direction="inbound", status="ended", started_at=at("2026-04-20"), category="other"
        )
        second = submit_month(self.director, reason="記録漏れの追加")
        with self.assertRaisesMessage(services.ReportError, "より新しい訂正版（第1版）"):
            services.monthly_report_receive(by=self.city_staff, version=first)
        services.monthly_report_receive(by=self.city_staff, version=second)
        with self.assertRaisesMessage(services.ReportError, "受領確認済"):
            services.monthly_report_receive(by=self.city_staff, version=second)
        report = MonthlyReport.objects.get()
        self.assertEqual(
            (report.status, report.received_by), (MonthlyReport.Status.RECEIVED, self.city_staff)
        )


class FurtherAppendixTest(BaseTestCase):
    """A document another app publishes for the month (e.g. the card ledgers) is printed as 別紙3 after the
    list of everything handled, gets its own sheet, and is named under 添付資料 on the 鑑."""

    def test_a_further_appendix_is_printed_as_its_own_bessi_and_sheet(self) -> None:
        from unittest import mock

        from madoguchi.reports.sections import Table

        load_calls({"2026-04": [3, 1, 0, 4]})
        contract_settings()
        ledger = Table(
            "カード受払簿",
            ["日付", "受入", "払出", "残"],
            [["令和8年4月1日", 120, 80, 40]],
            numeric=(1, 2, 3),
        )
        with mock.patch("madoguchi.reports.sections.appendices.further_appendices", return_value=[ledger]):
            version = submit_month(self.director)
        text = pdf_text(bytes(version.pdf)).replace("\n", "").replace("\u3000", " ")
        # Named under 添付資料 on the 鑑, and the heading of its own pages after 別紙2.
        self.assertEqual(text.count("別紙3 カード受払簿"), 2)
        self.assertLess(text.index("別紙2 対応状況全件"), text.rindex("別紙3 カード受払簿"))
        self.assertIn("令和8年4月1日120804", text)
        wb = load_workbook(io.BytesIO(bytes(version.xlsx)))
        self.assertEqual(wb.sheetnames[-1], "カード受払簿")
        rows = list(wb["カード受払簿"].iter_rows(values_only=True))
        self.assertIn(("令和8年4月1日", 120, 80, 40), [tuple(r[:4]) for r in rows])


class TheCityDownloadsWhatWasSubmittedTest(BaseTestCase):
    """After a 訂正版 the city still downloads the 初版 exactly as it was handed over, and the 訂正版 with the
    corrected figures; both read back (openpyxl, PDF text) and compared with the data of their day."""

    def setUp(self) -> None:
        super().setUp()
        load_calls({"2026-04": [12, 7, 2, 21]})
        self.first = submit_month(self.director)
        # A call of 20 April logged late: the report now differs from the 初版.
        Call.objects.create(
            direction="inbound", status="ended", started_at=at("2026-04-20"), category="reservation"
        )
        self.second = submit_month(self.director, reason="4月20日の予約の入電1件を追加")
        self.login(self.city_staff)

    def download(self, number: int, fmt: str) -> bytes:
        response = self.client.get(f"/reports/monthly/2026-04/v{number}.{fmt}")
        self.assertEqual(response.status_code, 200)
        return response.content

    def april_row(self, content: bytes) -> list[object]:
        wb = load_workbook(io.BytesIO(content))
        (row,) = [r for r in wb["月報"].iter_rows(values_only=True) if r and r[0] == "4月"][:1]
        return list(row[:5])

    def test_each_version_downloads_byte_for_byte_with_its_own_figures(self) -> None:
        first_pdf, first_xlsx = self.download(0, "pdf"), self.download(0, "xlsx")
        second_pdf, second_xlsx = self.download(1, "pdf"), self.download(1, "xlsx")
        self.assertEqual(hashlib.sha256(first_pdf).hexdigest(), self.first.pdf_sha256)
        self.assertEqual(hashlib.sha256(first_xlsx).hexdigest(), self.first.xlsx_sha256)
        self.assertEqual(hashlib.sha256(second_pdf).hexdigest(), self.second.pdf_sha256)
        self.assertEqual(hashlib.sha256(second_xlsx).hexdigest(), self.second.xlsx_sha256)
        self.assertEqual(self.april_row(first_xlsx), ["4月", 12, 7, 2, 21])
        self.assertEqual(self.april_row(second_xlsx), ["4月", 13, 7, 2, 22])
        self.assertNotIn("訂正版", pdf_text(first_pdf))
        second_text = pdf_text(second_pdf)
        self.assertIn("業務完了報告書（令和8年4月分） 訂正版（第1版）", second_text)
        self.assertIn("4月20日の予約の入電1件を追加", second_text)

    def test_the_correction_cover_sheet_lists_each_changed_figure(self) -> None:
        wb = load_workbook(io.BytesIO(self.download(1, "xlsx")))
        cover = {r[0]: r[1] for r in wb["鑑"].iter_rows(values_only=True) if r and r[0]}
        self.assertEqual(cover["訂正の理由"], "4月20日の予約の入電1件を追加")
        self.assertEqual(cover["4月 予約"], "12 → 13")
        self.assertEqual(cover["4月 計"], "21 → 22")
        self.assertNotIn("4月 その他", cover)  # only what changed

    def test_each_download_is_an_audited_export_of_that_version(self) -> None:
        from madoguchi.accounts.models import AuditEvent

        self.download(0, "pdf")
        self.download(1, "xlsx")
        events = AuditEvent.objects.filter(
            actor=self.city_staff, action=AuditEvent.Action.EXPORT, object_type="reports.monthlyreport"
        ).order_by("pk")
        self.assertEqual(
            [(e.detail["version"], e.detail["format"]) for e in events], [(0, "pdf"), (1, "xlsx")]
        )

    def test_a_version_that_does_not_exist_is_not_found(self) -> None:
        self.assertEqual(self.client.get("/reports/monthly/2026-04/v2.pdf").status_code, 404)
        self.assertEqual(self.client.get("/reports/monthly/2026-05/v0.pdf").status_code, 404)

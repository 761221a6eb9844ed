"""The monthly report's call table reproduces the spec's FY2025 table cell by cell (17,871 in total)."""

from __future__ import annotations

import datetime
import io

from openpyxl import load_workbook
from pypdf import PdfReader

from madoguchi.accounts.testing import BaseTestCase
from madoguchi.reports import services
from madoguchi.reports.render.pdf import report_pdf
from madoguchi.reports.render.xlsx import report_xlsx

from .factories import FY2025_CALLS, FY2025_TOTAL, load_calls

NOVEMBER = datetime.date(2025, 12, 15)
SPEC_ROWS = [[f"{int(ym[5:])}月", *counts] for ym, counts in FY2025_CALLS.items()]


class SpecCallTableTest(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        # Roll-overs (answered on city lines) are not in the spec's columns: they must not leak into the table.
        cls.loaded = load_calls(FY2025_CALLS, extra={"2025-06": 5})

    def test_it_loads_exactly_the_spec_figures(self) -> None:
        self.assertEqual(self.loaded, 17_871 + 5)

    def test_the_fiscal_year_table_equals_the_spec_cell_by_cell(self) -> None:
        data = services.monthly_report_build(
            year=2025, month=11, scope="fiscal_year", today=NOVEMBER, appendix=False
        )
        table = data.call_section.tables[0]
        self.assertEqual(table.header, ["月", "予約", "カードに関する問合せ", "その他", "計"])
        self.assertEqual(len(table.rows), 8)
        for got, want in zip(table.rows, SPEC_ROWS, strict=True):
            self.assertEqual(got, want, f"{want[0]} の行")
        self.assertEqual(table.total, ["計", *FY2025_TOTAL])
        self.assertEqual(table.total[4], 17_871)

    def test_the_november_monthly_report_carries_the_year_to_date_table(self) -> None:
        data = services.monthly_report_build(year=2025, month=11, today=NOVEMBER, appendix=False)
        self.assertEqual(data.call_rows, SPEC_ROWS)
        self.assertEqual(data.figures["call_table.2025-11.total"], 2699)

    def test_a_mid_year_report_stops_at_its_month(self) -> None:
        data = services.monthly_report_build(year=2025, month=6, today=NOVEMBER, appendix=False)
        self.assertEqual(data.call_rows, SPEC_ROWS[:3])
        self.assertEqual(data.call_section.tables[0].total, ["計", 3692, 2216, 247, 6155])

    def test_the_table_agrees_with_the_calls_app_monthly_counts(self) -> None:
        from madoguchi.calls.services import monthly_counts

        for ym, counts in FY2025_CALLS.items():
            got = monthly_counts(year=int(ym[:4]), month=int(ym[5:]))
            self.assertEqual([got["reservation"], got["card_inquiry"], got["other"], got["total"]], counts)

    def test_the_xlsx_reads_back_with_the_spec_table(self) -> None:
        data = services.monthly_report_build(year=2025, month=11, today=NOVEMBER, appendix=False)
        wb = load_workbook(io.BytesIO(report_xlsx(data)))
        ws = wb["月報"]
        rows = [list(r) for r in ws.iter_rows(values_only=True)]
        header = ["月", "予約", "カードに関する問合せ", "その他", "計"]
        start = next(i for i, r in enumerate(rows) if r[:5] == header)
        body = [list(r[:5]) for r in rows[start + 1 : start + 10]]
        self.assertEqual(body[:8], SPEC_ROWS)
        self.assertEqual(body[8], ["計", *FY2025_TOTAL])
        self.assertEqual(str(ws.page_setup.paperSize), str(ws.PAPERSIZE_A4))
        self.assertEqual(int(ws.page_setup.fitToWidth), 1)
        self.assertIn("対応状況全件", wb.sheetnames)

    def test_the_pdf_text_shows_the_spec_table(self) -> None:
        data = services.monthly_report_build(year=2025, month=11, today=NOVEMBER, appendix=False)
        text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(report_pdf(data))).pages)
        self.assertIn("令和7年11月", text)
        self.assertIn("カードに関する問合せ", text)
        for value in ("17,871", "10,779", "6,318", "774", "1,685"):
            self.assertIn(value, text)

"""The monthly report carries the FAQ usage of the month (spec 2 ⑥), on the screen, in the PDF and in the XLSX,
from `faq.selectors.faq_usage_month`; the month is the Tokyo calendar month."""

from __future__ import annotations

import datetime
import io

from openpyxl import load_workbook
from pypdf import PdfReader

from madoguchi.accounts.testing import BaseTestCase
from madoguchi.faq.models import FaqEntry, SearchLog
from madoguchi.reports import services
from madoguchi.reports.render.pdf import report_pdf
from madoguchi.reports.render.xlsx import report_xlsx

from .factories import TOKYO

DEC = datetime.date(2026, 12, 1)


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


class FaqUsageInTheMonthlyReportTest(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.lost = FaqEntry.objects.create(
            category="紛失",
            question="カードを紛失したときはどうすればよいですか",
            answer="警察に届け出てから窓口で再交付を申請します。",
            state=FaqEntry.State.APPROVED,
        )
        self.pin = FaqEntry.objects.create(
            category="暗証番号",
            question="暗証番号を忘れました",
            answer="本人確認書類を持って窓口で再設定します。",
            state=FaqEntry.State.APPROVED,
        )
        inside_first = datetime.datetime(2026, 10, 1, 0, 5, tzinfo=TOKYO)  # 30 Sept 15:05 UTC
        inside_last = datetime.datetime(2026, 10, 31, 23, 30, tzinfo=TOKYO)
        outside = datetime.datetime(2026, 11, 1, 0, 30, tzinfo=TOKYO)
        logs = (
            [(inside_first, "紛失", 1, self.lost)] * 3
            + [(inside_last, "暗証番号", 1, self.pin)]
            + [(inside_last, "暗証番号 忘れた", 2, None)]
            + [(inside_first, "ポチった", 0, None)] * 2
            + [(inside_last, "転出 継続利用", 0, None)]
            + [(outside, "紛失", 1, self.lost)] * 5
        )
        for when, query, hits, answered in logs:
            SearchLog.objects.create(
                at=when, query=query, hits=hits, answered_entry=answered, user=self.operator
            )

    def test_the_month_counts_searches_misses_and_answered_calls_in_tokyo_time(self) -> None:
        data = services.monthly_report_build(year=2026, month=10, today=DEC)
        faq = data.section("faq")
        assert faq is not None
        self.assertEqual(
            (
                faq.figures["faq.2026-10.searches"],
                faq.figures["faq.2026-10.zero_hit"],
                faq.figures["faq.2026-10.answered"],
            ),
            (8, 3, 4),
        )
        usage, _approved, answered, misses = faq.tables
        self.assertEqual(usage.rows, [["10月", 8, 3, "37.5%", 4]])
        self.assertEqual(
            answered.rows,
            [[f"FAQ-{self.lost.pk}", self.lost.question, 3], [f"FAQ-{self.pin.pk}", self.pin.question, 1]],
        )
        self.assertEqual(misses.rows, [["ポチった", 2], ["転出 継続利用", 1]])
        # The count of approved entries is today's state: shown, never compared with a submission.
        self.assertNotIn("faq.approved_entries", data.stable_figures)

    def test_the_pdf_and_the_xlsx_carry_the_faq_usage(self) -> None:
        data = services.monthly_report_build(year=2026, month=10, today=DEC)
        text = pdf_text(report_pdf(data))
        self.assertIn("質疑応答集の利用状況", text)
        self.assertIn(self.lost.question, text.replace("\n", ""))  # a long question wraps in its cell
        self.assertIn("ポチった", text)
        wb = load_workbook(io.BytesIO(report_xlsx(data)))
        rows = [r for r in wb["月報"].iter_rows(values_only=True)]
        self.assertIn(("10月", 8, 3, "37.5%", 4), [tuple(r[:5]) for r in rows])
        self.assertIn((f"FAQ-{self.lost.pk}", self.lost.question, 3), [tuple(r[:3]) for r in rows])
        self.assertIn(("転出 継続利用", 1), [tuple(r[:2]) for r in rows])

    def test_the_fiscal_year_report_has_a_row_per_month_and_a_total(self) -> None:
        data = services.monthly_report_build(year=2026, month=11, scope="fiscal_year", today=DEC)
        faq = data.section("faq")
        assert faq is not None
        usage = faq.tables[0]
        self.assertEqual(len(usage.rows), 8)  # April to November
        self.assertEqual(usage.rows[6], ["10月", 8, 3, "37.5%", 4])
        self.assertEqual(usage.rows[7], ["11月", 5, 0, "0.0%", 5])
        self.assertEqual(usage.total, ["計", 13, 3, "23.1%", 9])
        self.assertEqual(len(faq.tables), 2)  # top lists are per month only

    def test_a_month_without_searches_is_zeros_not_an_error(self) -> None:
        data = services.monthly_report_build(year=2026, month=5, today=DEC)
        faq = data.section("faq")
        assert faq is not None
        self.assertEqual(faq.tables[0].rows, [["5月", 0, 0, "—", 0]])
        self.assertIn("該当なしの検索はありません。", pdf_text(report_pdf(data)))

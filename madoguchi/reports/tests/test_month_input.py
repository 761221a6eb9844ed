"""The month typed on the monthly report: full-width digits, 年月 and era forms; a bad month is a 404, not a 500."""

from __future__ import annotations

from madoguchi.accounts.testing import BaseTestCase
from madoguchi.reports.views import parse_month


class MonthInputTest(BaseTestCase):
    def test_it_reads_full_width_digits_and_japanese_month_forms(self) -> None:
        for text in ["２０２６－０４", "2026/4", "2026年4月", "２０２６年４月", "令和8年4月", "R8.4"]:
            with self.subTest(text=text):
                self.assertEqual(parse_month(text), (2026, 4))

    def test_the_page_accepts_a_full_width_month_and_fills_the_month_field(self) -> None:
        self.login(self.director)
        response = self.client.get("/reports/monthly/?month=令和8年4月")
        self.assertContains(response, "業務完了報告書（月報） 令和8年4月")
        self.assertContains(response, 'value="2026-04"')

    def test_confirming_receipt_of_an_impossible_month_is_not_found(self) -> None:
        self.login(self.city_staff)
        response = self.client.post("/reports/monthly/2026-13/receive/")
        self.assertEqual(response.status_code, 404)

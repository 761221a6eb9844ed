"""`madoguchi monthly_report --month … --format … --output …` for scheduled jobs."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

from django.core.management import CommandError, call_command
from openpyxl import load_workbook
from pypdf import PdfReader

from madoguchi.accounts.models import AuditEvent
from madoguchi.accounts.testing import BaseTestCase

from .factories import load_calls


class MonthlyReportCommandTest(BaseTestCase):
    def setUp(self) -> None:
        self.dir = Path(tempfile.mkdtemp())

    def test_it_writes_an_xlsx_with_the_month_table(self) -> None:
        load_calls({"2026-04": [4, 3, 2, 9]})
        out = io.StringIO()
        call_command(
            "monthly_report", month="2026-04", fmt="xlsx", output=str(self.dir / "r.xlsx"), stdout=out
        )
        self.assertIn("令和8年4月", out.getvalue())
        wb = load_workbook(self.dir / "r.xlsx")
        rows = [list(r[:5]) for r in wb["月報"].iter_rows(values_only=True)]
        self.assertIn(["4月", 4, 3, 2, 9], rows)
        self.assertTrue(
            AuditEvent.objects.filter(action="export", actor__isnull=True, object_id="2026-04").exists()
        )

    def test_it_writes_a_pdf(self) -> None:
        call_command(
            "monthly_report",
            "--month",
            "2026-04",
            "--format",
            "pdf",
            "--output",
            str(self.dir / "r.pdf"),
            stdout=io.StringIO(),
        )
        text = "".join(p.extract_text() for p in PdfReader(self.dir / "r.pdf").pages)
        self.assertIn("業務完了報告書（月報） 令和8年4月", text)

    def test_it_refuses_a_future_month_or_a_bad_one(self) -> None:
        with self.assertRaisesMessage(CommandError, "まだ始まっていない"):
            call_command("monthly_report", month="2099-04", fmt="pdf", output=str(self.dir / "x.pdf"))
        with self.assertRaisesMessage(CommandError, "年月として読めません"):
            call_command("monthly_report", month="April", fmt="pdf", output=str(self.dir / "x.pdf"))
        self.assertFalse((self.dir / "x.pdf").exists())

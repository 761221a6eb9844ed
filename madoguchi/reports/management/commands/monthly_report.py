"""Write a month's report to a file, for scheduled jobs:

uv run madoguchi monthly_report --month 2026-04 --format xlsx --output /path/月報_2026-04.xlsx
"""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from madoguchi.reports import services
from madoguchi.reports.render.pdf import report_pdf
from madoguchi.reports.render.xlsx import report_xlsx
from madoguchi.reports.views import parse_month


class Command(BaseCommand):
    help = "月報（業務完了報告書）を XLSX または PDF で出力します。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--month", help="対象月（例: 2026-04）。省略すると前月。")
        parser.add_argument("--format", dest="fmt", choices=["xlsx", "pdf"], default="xlsx")
        parser.add_argument("--output", required=True, help="出力するファイルのパス")
        parser.add_argument(
            "--fiscal-year", action="store_true", help="4月からその月までの年度累計で出力する"
        )

    def handle(
        self, *args: Any, month: str | None, fmt: str, output: str, fiscal_year: bool, **options: Any
    ) -> None:
        if not month:
            first = timezone.localdate().replace(day=1)
            month = (first - datetime.timedelta(days=1)).strftime("%Y-%m")
        try:
            year, mon = parse_month(month)
            data = services.monthly_report_build(
                year=year, month=mon, scope="fiscal_year" if fiscal_year else "month"
            )
        except services.ReportError as exc:
            raise CommandError(str(exc)) from None
        path = Path(output)
        if not path.parent.exists():
            raise CommandError(f"出力先のフォルダ {path.parent} がありません。")
        content = report_xlsx(data) if fmt == "xlsx" else report_pdf(data)
        path.write_bytes(content)
        services.report_export_record(by=None, data=data, fmt=fmt)
        for problem in data.problems:
            self.stderr.write(f"要確認: {problem}")
        self.stdout.write(f"{data.title} を {path} に出力しました（{len(content):,} バイト）。")

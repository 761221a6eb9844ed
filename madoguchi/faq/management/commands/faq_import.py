from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from madoguchi.faq.services import faq_import


class Command(BaseCommand):
    help = "質疑応答集（分類・質問・回答・キーワード）を XLSX / CSV から取り込みます。誤りが1つでもあれば何も取り込みません。"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", help=".xlsx または .csv のファイル")
        parser.add_argument(
            "--approve", action="store_true", help="承認済みとして取り込む（市が承認済みの集を移すとき）"
        )
        parser.add_argument(
            "--encoding", choices=["utf-8", "cp932"], help="CSV の文字コード（省略時は自動判別）"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"ファイルが見つかりません: {path}")
        result = faq_import(
            data=path.read_bytes(),
            filename=path.name,
            by=None,
            approve=options["approve"],
            encoding=options["encoding"],
        )
        if not result.ok:
            for error in result.errors:
                self.stderr.write(str(error) if error.row else error.message)
            raise CommandError(
                f"取り込みませんでした（誤り {len(result.errors)} 件）。ファイルを直して再実行してください。"
            )
        state = "承認済み" if options["approve"] else "下書き"
        self.stdout.write(self.style.SUCCESS(f"{result.created}件を{state}として取り込みました。"))

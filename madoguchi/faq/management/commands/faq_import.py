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
        parser.add_argument(
            "--dry-run", action="store_true", help="何も書き込まず、新規・更新・廃止になる項目を表示する"
        )
        parser.add_argument(
            "--retire-missing",
            action="store_true",
            help="ファイルにない承認済みの項目（識別キーあり）を廃止する（--approve と一緒に）",
        )
        parser.add_argument(
            "--column",
            action="append",
            default=[],
            metavar="見出し=列",
            help="ファイルの列を取込の列に対応づける（例: --column 'FAQ番号=識別キー'、読み飛ばすなら 'メモ='）",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"ファイルが見つかりません: {path}")
        column_map = {}
        for spec in options["column"]:
            if "=" not in spec:
                raise CommandError(f"--column は「見出し=列」の形で指定してください: {spec}")
            source, _, target = spec.partition("=")
            column_map[source.strip()] = target.strip()
        result = faq_import(
            data=path.read_bytes(),
            filename=path.name,
            by=None,
            approve=options["approve"],
            encoding=options["encoding"],
            dry_run=options["dry_run"],
            retire_missing=options["retire_missing"],
            column_map=column_map,
        )
        for warning in result.warnings:
            self.stderr.write(f"注意: {warning}")
        if not result.ok:
            for error in result.errors:
                self.stderr.write(str(error) if error.row else error.message)
            raise CommandError(
                f"取り込みませんでした（誤り {len(result.errors)} 件）。ファイルを直して再実行してください。"
            )
        if options["dry_run"]:
            for change in result.changes:
                if change.action != "unchanged":
                    where = f"{change.line}行目 " if change.line else ""
                    self.stdout.write(f"{change.label}: {where}{change.key} {change.question[:40]}")
            self.stdout.write(self.style.WARNING(f"試行のみ（何も書き込んでいません）: {result.summary()}"))
            return
        state = "承認済み" if options["approve"] else "下書き・審査待ち"
        self.stdout.write(self.style.SUCCESS(f"取り込みました（{state}）: {result.summary()}"))

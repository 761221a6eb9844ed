"""Import an arrival list (CSV UTF-8/CP932 or XLSX) for scheduled jobs: all-or-nothing, idempotent."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from madoguchi.cards.models import ImportBatch
from madoguchi.cards.services import card_import


class Command(BaseCommand):
    help = "到着カード一覧（CSV/XLSX）を取り込みます。1行でもエラーがあれば何も登録しません。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="CSV (.csv) または Excel (.xlsx) ファイル")
        parser.add_argument(
            "--encoding",
            choices=["utf-8", "cp932"],
            default=None,
            help="CSV の文字コード（省略時は自動判別: UTF-8、読めなければ CP932）",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"ファイルがありません: {path}")
        batch = card_import(
            file_name=path.name, content=path.read_bytes(), by=None, encoding=options["encoding"]
        )
        if batch.status != ImportBatch.Status.DONE:
            for e in batch.errors:
                where = f"{e['row']}行目" if e["row"] else "ファイル"
                column = f"「{e['column']}」列" if e["column"] else ""
                self.stderr.write(f"{where}{column}: {e['message']}")
            raise CommandError(f"{len(batch.errors)}件のエラーがあるため、何も取り込みませんでした。")
        self.stdout.write(
            f"取込完了（取込No.{batch.pk}）: 新規 {batch.created_count}件、登録済み {batch.existing_count}件"
        )

"""Import an arrival list (CSV UTF-8/CP932 or XLSX) for scheduled jobs: all-or-nothing, idempotent."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from madoguchi.cards.models import ImportBatch, ImportProfile
from madoguchi.cards.services import ImportDuplicate, card_import


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
        parser.add_argument("--sheet", default=None, help="Excel のシート名（省略時は開いたときのシート）")
        parser.add_argument(
            "--profile",
            default=None,
            help="取込設定（取込元の様式）の名前（省略時は見出しから自動判別。例: 「J-LIS 交付予定者一覧」）",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"ファイルがありません: {path}")
        profile = None
        if options["profile"]:
            profile = ImportProfile.objects.filter(name=options["profile"]).first()
            if profile is None:
                names = "、".join(ImportProfile.objects.values_list("name", flat=True))
                raise CommandError(f"取込設定「{options['profile']}」はありません（{names}）。")
        try:
            batch = card_import(
                file_name=path.name,
                content=path.read_bytes(),
                by=None,
                encoding=options["encoding"],
                sheet=options["sheet"],
                profile=profile,
            )
        except ImportDuplicate as exc:
            if (
                exc.batch.status == ImportBatch.Status.DONE
            ):  # a scheduled re-run of the same file: nothing to do
                self.stdout.write(exc.messages[0])
                return
            raise CommandError(exc.messages[0]) from None
        if batch.status != ImportBatch.Status.DONE:
            for e in batch.errors:
                where = f"{e['row']}行目" if e["row"] else "ファイル"
                column = f"「{e['column']}」列" if e["column"] else ""
                self.stderr.write(f"{where}{column}: {e['message']}")
            raise CommandError(f"{len(batch.errors)}件のエラーがあるため、何も取り込みませんでした。")
        corrections = (
            f"、訂正の確認待ち {batch.correction_count}件（画面で確認）" if batch.correction_count else ""
        )
        self.stdout.write(
            f"取込完了（取込No.{batch.pk}）: 新規 {batch.created_count}件、登録済み {batch.existing_count}件{corrections}"
        )

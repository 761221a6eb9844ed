from __future__ import annotations

import io
import tempfile
from pathlib import Path

from django.core.management import CommandError, call_command

from madoguchi.accounts.testing import BaseTestCase
from madoguchi.lib.exports import csv_bytes

from ..models import Card
from .test_card_import import HEADER, row


class ImportCardsCommandTests(BaseTestCase):
    def test_it_imports_a_cp932_file_and_reports_counts(self) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "arrivals.csv"
            path.write_bytes(csv_bytes(HEADER, [row(1), row(2)], encoding="cp932"))
            out = io.StringIO()
            call_command("import_cards", str(path), "--encoding", "cp932", stdout=out)
            self.assertIn("新規 2件", out.getvalue())
            call_command("import_cards", str(path), "--encoding", "cp932", stdout=out)
            self.assertIn("取込済みです。二重", out.getvalue())
        self.assertEqual(Card.objects.count(), 2)

    def test_it_fails_with_every_row_error_and_imports_nothing(self) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "arrivals.csv"
            path.write_bytes(
                csv_bytes(HEADER, [row(1), row(2, 生年月日="令和8年13月1日"), row(3, 受取庁舎="")])
            )
            err = io.StringIO()
            with self.assertRaisesMessage(CommandError, "2件のエラー"):
                call_command("import_cards", str(path), stderr=err)
        self.assertIn("3行目「生年月日」列", err.getvalue())
        self.assertIn("4行目「受取庁舎」列: 入力されていません。", err.getvalue())
        self.assertEqual(Card.objects.count(), 0)

    def test_a_named_profile_reads_the_citys_own_layout_and_an_unknown_name_lists_the_profiles(self) -> None:
        header = [
            "交付通知書番号",
            "申請ID",
            "漢字氏名",
            "カナ氏名",
            "生年月日",
            "受取場所",
            "カード到着日",
            "行政区",
        ]
        values = dict(zip(HEADER, row(7), strict=True))
        line = [
            values["交付通知書番号"],
            values["申請書ID"],
            values["氏名"],
            values["氏名カナ"],
            values["生年月日"],
            "田主丸総合支所",
            values["到着日"],
            "田主丸",
        ]
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "住民記録_到着.csv"
            path.write_bytes(csv_bytes(header, [line], encoding="cp932"))
            with self.assertRaisesMessage(
                CommandError, "取込設定「A社」はありません（J-LIS 交付予定者一覧、市の住民記録システム出力）"
            ):
                call_command("import_cards", str(path), "--profile", "A社")
            out = io.StringIO()
            call_command("import_cards", str(path), "--profile", "市の住民記録システム出力", stdout=out)
        self.assertIn("新規 1件", out.getvalue())
        self.assertEqual(Card.objects.get().pickup_office, self.branch_office)

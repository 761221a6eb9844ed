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

from __future__ import annotations

import io
import tempfile
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command

from madoguchi.accounts.testing import BaseTestCase
from madoguchi.faq import search, services
from madoguchi.faq.models import FaqEntry
from madoguchi.lib.exports import csv_bytes, xlsx_bytes

HEADER = ["分類", "質問", "回答", "キーワード"]
ROWS = [
    ["受取予約", "受取の予約をしたい", "交付通知書が届いたら電話で予約してください。", "予約 受け取り"],
    ["暗証番号", "暗証番号を忘れた", "窓口で再設定します。", ""],
]


class ImportTests(BaseTestCase):
    def test_xlsx_and_both_csv_encodings_import_the_same_rows(self):
        files = {
            "faq.xlsx": xlsx_bytes("FAQ", HEADER, ROWS),
            "faq-utf8.csv": csv_bytes(HEADER, ROWS, encoding="utf-8"),
            "faq-sjis.csv": csv_bytes(HEADER, ROWS, encoding="cp932"),
        }
        for name, data in files.items():
            with self.subTest(file=name):
                FaqEntry.objects.all().delete()
                result = services.faq_import(data=data, filename=name, by=self.site_manager)
                self.assertTrue(result.ok, result.errors)
                self.assertEqual(
                    list(FaqEntry.objects.order_by("id").values_list("category", "question", "state")),
                    [("受取予約", "受取の予約をしたい", "draft"), ("暗証番号", "暗証番号を忘れた", "draft")],
                )
                self.assertEqual(FaqEntry.objects.first().history.get().action, "import")

    def test_a_bad_row_stops_the_whole_import_and_names_row_and_column(self):
        rows = [*ROWS, ["", "質問だけ", "回答", ""], ["分類", "番号は123456789018です", "回答", ""]]
        result = services.faq_import(data=csv_bytes(HEADER, rows), filename="faq.csv", by=self.site_manager)
        self.assertFalse(result.ok)
        messages = [str(e) for e in result.errors]
        self.assertIn("4行目「分類」列: 空欄です。入力してください。", messages)
        self.assertTrue(any(m.startswith("5行目「質問」列: 個人番号") for m in messages))
        self.assertFalse(FaqEntry.objects.exists())

    def test_missing_or_unknown_columns_are_reported_on_row_one(self):
        data = csv_bytes(["分類", "質問", "答え"], [["a", "b", "c"]])
        result = services.faq_import(data=data, filename="faq.csv", by=self.site_manager)
        messages = [str(e) for e in result.errors]
        self.assertIn("1行目「回答」列: 必須の列がありません。", messages)
        self.assertIn("1行目「答え」列: 不明な列です。列名を確認してください。", messages)

    def test_a_file_without_the_keyword_column_is_accepted(self):
        data = csv_bytes(["分類", "質問", "回答"], [r[:3] for r in ROWS])
        result = services.faq_import(data=data, filename="faq.csv", by=self.site_manager)
        self.assertEqual((result.ok, result.created), (True, 2))
        self.assertEqual(FaqEntry.objects.get(question="受取の予約をしたい").keywords, "")

    def test_duplicate_questions_in_the_file_are_refused(self):
        rows = [ROWS[0], ["受取予約", "受取の予約をしたい", "別の回答", ""]]
        result = services.faq_import(data=csv_bytes(HEADER, rows), filename="faq.csv", by=self.site_manager)
        self.assertEqual([str(e) for e in result.errors], ["3行目「質問」列: 2行目と同じ質問です。"])

    def test_an_unreadable_file_gets_a_message_not_a_crash(self):
        result = services.faq_import(data=b"not a zip", filename="faq.xlsx", by=self.site_manager)
        self.assertIn("XLSX", result.errors[0].message)
        result = services.faq_import(
            data=b"\x82\xa0\xff\xfe\x00", filename="faq.csv", by=self.site_manager, encoding="utf-8"
        )
        self.assertIn("UTF-8", result.errors[0].message)

    def test_only_city_staff_import_as_approved_and_then_it_is_searchable(self):
        data = csv_bytes(HEADER, ROWS)
        with self.assertRaises(PermissionDenied):
            services.faq_import(data=data, filename="faq.csv", by=self.site_manager, approve=True)
        result = services.faq_import(data=data, filename="faq.csv", by=self.city_staff, approve=True)
        self.assertEqual(result.created, 2)
        self.assertEqual(search.search("暗証番号")[0].question, "暗証番号を忘れた")


class ImportCommandTests(BaseTestCase):
    def _file(self, name: str, data: bytes) -> Path:
        path = Path(tempfile.mkdtemp()) / name
        path.write_bytes(data)
        return path

    def test_the_command_imports_approved_entries(self):
        path = self._file("faq.xlsx", xlsx_bytes("FAQ", HEADER, ROWS))
        out = io.StringIO()
        call_command("faq_import", str(path), "--approve", stdout=out)
        self.assertIn("2件を承認済みとして取り込みました", out.getvalue())
        self.assertEqual(FaqEntry.objects.approved().count(), 2)

    def test_the_command_reports_every_error_and_imports_nothing(self):
        path = self._file("faq.csv", csv_bytes(HEADER, [*ROWS, ["分類", "", "回答", ""]], encoding="cp932"))
        err = io.StringIO()
        with self.assertRaises(CommandError):
            call_command("faq_import", str(path), stderr=err)
        self.assertIn("4行目「質問」列", err.getvalue())
        self.assertFalse(FaqEntry.objects.exists())

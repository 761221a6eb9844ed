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

    def test_a_missing_column_is_an_error_and_an_extra_column_only_a_warning(self):
        data = csv_bytes(["分類", "質問", "答え", "メモ"], [["a", "b", "c", "d"]])
        result = services.faq_import(data=data, filename="faq.csv", by=self.site_manager)
        self.assertTrue(result.ok, result.errors)
        self.assertIn("「答え」列を「回答」として読みます。", result.warnings)
        self.assertTrue(
            any(w.startswith("「メモ」列は取込の列ではないため読み飛ばします") for w in result.warnings)
        )
        data = csv_bytes(["分類", "質問", "備考"], [["a", "b", "c"]])
        result = services.faq_import(data=data, filename="faq.csv", by=self.site_manager)
        self.assertIn(
            "1行目「回答」列: 必須の列がありません（見出しの行を確認してください）。",
            [str(e) for e in result.errors],
        )

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
        self.assertIn("取り込みました（承認済み）: 新規 2件", out.getvalue())
        self.assertEqual(FaqEntry.objects.approved().count(), 2)

    def test_the_command_reports_every_error_and_imports_nothing(self):
        path = self._file("faq.csv", csv_bytes(HEADER, [*ROWS, ["分類", "", "回答", ""]], encoding="cp932"))
        err = io.StringIO()
        with self.assertRaises(CommandError):
            call_command("faq_import", str(path), stderr=err)
        self.assertIn("4行目「質問」列", err.getvalue())
        self.assertFalse(FaqEntry.objects.exists())


KEYED = ["識別キー", *HEADER]


def _keyed(rows: list[list[str]]) -> bytes:
    return csv_bytes(KEYED, rows)


class MaintenanceImportTests(BaseTestCase):
    """Import that maintains a collection: update by key, revisions through approval, dry run, retire, round trip."""

    def setUp(self):
        super().setUp()
        search.clear_cache()
        rows = [["pickup", *ROWS[0]], ["pin", *ROWS[1]]]
        result = services.faq_import(data=_keyed(rows), filename="faq.csv", by=self.city_staff, approve=True)
        self.assertEqual(result.created, 2)

    def test_reimporting_the_same_file_changes_nothing(self):
        rows = [["pickup", *ROWS[0]], ["pin", *ROWS[1]]]
        result = services.faq_import(data=_keyed(rows), filename="faq.csv", by=self.city_staff, approve=True)
        self.assertTrue(result.ok, result.errors)
        self.assertEqual((result.created, result.changed, result.count("unchanged")), (0, 0, 2))
        self.assertEqual(FaqEntry.objects.count(), 2)

    def test_a_changed_row_becomes_a_revision_waiting_for_approval(self):
        rows = [["pin", "暗証番号", "暗証番号を忘れた", "窓口で再設定します。本人確認書類が必要です。", ""]]
        result = services.faq_import(data=_keyed(rows), filename="faq.csv", by=self.site_manager)
        self.assertEqual(result.count("review"), 1)
        original = FaqEntry.objects.get(slug="pin")
        revision = FaqEntry.objects.get(replaces=original)
        self.assertEqual((original.state, revision.state), ("approved", "review"))
        self.assertNotIn("本人確認書類", search.search("暗証番号")[0].answer)
        services.entry_transition(entry=revision, by=self.city_staff, action="approve")
        revision.refresh_from_db()
        self.assertEqual(revision.slug, "pin")  # the key moves to the approved revision
        self.assertEqual(FaqEntry.objects.get(pk=original.pk).state, "retired")
        self.assertIn("本人確認書類", search.search("暗証番号")[0].answer)

    def test_approvers_can_apply_a_change_directly_with_a_history_row(self):
        rows = [["pin", "暗証番号", "暗証番号を忘れた", "新しい回答です。", ""]]
        result = services.faq_import(data=_keyed(rows), filename="faq.csv", by=self.city_staff, approve=True)
        self.assertEqual(result.count("changed"), 1)
        entry = FaqEntry.objects.get(slug="pin")
        self.assertEqual((entry.answer, entry.state), ("新しい回答です。", "approved"))
        self.assertEqual(entry.history.order_by("-number").first().action, "import")

    def test_a_row_without_a_key_repeating_a_registered_question_is_refused(self):
        result = services.faq_import(
            data=csv_bytes(HEADER, [ROWS[1]]), filename="faq.csv", by=self.site_manager
        )
        self.assertEqual(
            [str(e) for e in result.errors],
            [
                "2行目「質問」列: 同じ質問の項目がすでにあります（識別キー「pin」）。更新するには識別キー列にそのキーを書いてください。"
            ],
        )
        self.assertEqual(FaqEntry.objects.count(), 2)

    def test_a_dry_run_lists_created_changed_and_retired_and_writes_nothing(self):
        rows = [
            ["pin", "暗証番号", "暗証番号を忘れた", "新しい回答です。", ""],
            ["new", "カード", "新しい質問", "回答", ""],
        ]
        before = list(FaqEntry.objects.values_list("id", "state", "answer"))
        result = services.faq_import(
            data=_keyed(rows),
            filename="faq.csv",
            by=self.city_staff,
            approve=True,
            dry_run=True,
            retire_missing=True,
        )
        self.assertEqual(
            sorted((c.action, c.key) for c in result.changes),
            [("changed", "pin"), ("created", "new"), ("retired", "pickup")],
        )
        self.assertEqual(list(FaqEntry.objects.values_list("id", "state", "answer")), before)
        result = services.faq_import(
            data=_keyed(rows), filename="faq.csv", by=self.city_staff, approve=True, retire_missing=True
        )
        self.assertEqual(FaqEntry.objects.get(slug="pickup").state, "retired")

    def test_a_key_that_appears_twice_is_refused(self):
        rows = [["pin", *ROWS[1]], ["pin", "暗証番号", "別の質問", "回答", ""]]
        result = services.faq_import(data=_keyed(rows), filename="faq.csv", by=self.site_manager)
        self.assertEqual(
            [str(e) for e in result.errors],
            ["3行目「識別キー」列: 2行目と同じ識別キーです。キーは1行に1つです。"],
        )

    def test_an_export_edited_in_excel_imports_as_an_update_not_a_duplicate(self):
        rows = services.export_rows(FaqEntry.objects.approved().order_by("id"))
        self.assertEqual([r[0] for r in rows], ["pickup", "pin"])
        rows[1][3] = "Excel で直した回答です。"
        data = xlsx_bytes("FAQ", services.EXPORT_COLUMNS, rows)
        result = services.faq_import(data=data, filename="faq.xlsx", by=self.city_staff, approve=True)
        self.assertEqual((result.created, result.count("changed")), (0, 1))
        self.assertEqual(FaqEntry.objects.count(), 2)

    def test_a_city_file_with_english_headers_and_its_own_id_column_imports(self):
        FaqEntry.objects.all().delete()
        data = csv_bytes(
            ["id", "category", "question", "answer", "keywords", "担当課"],
            [["101", "受取", "受取の予約", "電話で予約します。", "", "市民課"]],
            encoding="cp932",
        )
        result = services.faq_import(data=data, filename="city.csv", by=self.city_staff, approve=True)
        self.assertTrue(result.ok, result.errors)
        self.assertEqual(FaqEntry.objects.get().slug, "101")
        self.assertTrue(any("担当課" in w for w in result.warnings))

    def test_an_entry_created_on_screen_gets_a_key(self):
        entry = services.entry_create(by=self.site_manager, category="c", question="q", answer="a")
        self.assertEqual(entry.slug, f"faq-{entry.pk}")

from __future__ import annotations

import datetime

from madoguchi.accounts.testing import BaseTestCase
from madoguchi.lib.exports import csv_bytes, xlsx_bytes

from ..importing import ALL_COLUMNS
from ..models import Card, CardEvent, ImportBatch
from ..services import ImportDuplicate, card_import, import_batch_create, import_batch_run

HEADER = list(ALL_COLUMNS)


def row(n: int, **over: str) -> list[str]:
    values = {
        "交付通知書番号": f"KRM{n:06d}",
        "申請書ID": f"{n:023d}",
        "氏名": "久留米 花子",
        "氏名カナ": "クルメ ハナコ",
        "生年月日": "1985/4/1",
        "受取庁舎": "honcho",
        "到着日": "令和8年4月1日",
        "種別": "新規",
        "申請方式": "交付時来庁方式",
        "住所": "久留米市城南町15-3",
        "電話番号": "0942-30-9000",
        "マイナ・アシスト": "",
    }
    values.update(over)
    return [values[c] for c in HEADER]


class CardImportTests(BaseTestCase):
    def test_it_imports_a_cp932_csv_with_japanese_dates_and_full_width_digits(self) -> None:
        rows = [row(1), row(2, 生年月日="１９９０年１月２日", 受取庁舎="田主丸総合支所", 種別="特急発行")]
        content = csv_bytes(HEADER, rows, encoding="cp932")
        batch = card_import(file_name="arrivals.csv", content=content, by=self.back_office, encoding="cp932")
        self.assertEqual(batch.status, ImportBatch.Status.DONE, batch.errors)
        self.assertEqual(batch.created_count, 2)
        card = Card.objects.get(notice_number="KRM000002")
        self.assertEqual(card.birth_date, datetime.date(1990, 1, 2))
        self.assertEqual(card.pickup_office, self.branch_office)
        self.assertEqual(card.kind, Card.Kind.EXPRESS)
        self.assertEqual(card.arrived_on, datetime.date(2026, 4, 1))
        self.assertEqual(CardEvent.objects.filter(card=card, to_state=Card.State.RECEIVED).count(), 1)

    def test_it_detects_cp932_when_no_encoding_is_chosen(self) -> None:
        content = csv_bytes(HEADER, [row(1)], encoding="cp932")
        batch = card_import(file_name="a.csv", content=content, by=self.back_office)
        self.assertEqual(batch.status, ImportBatch.Status.DONE, batch.errors)
        self.assertEqual(Card.objects.get().applicant_name, "久留米 花子")

    def test_it_refuses_a_utf8_file_read_as_cp932_with_a_clear_message(self) -> None:
        content = "交付通知書番号,申請書ID\nKRM000001,1\n".encode()
        batch = card_import(file_name="a.csv", content=content, by=self.back_office, encoding="cp932")
        self.assertEqual(batch.status, ImportBatch.Status.FAILED)
        self.assertIn("文字コード", batch.errors[0]["message"])

    def test_it_imports_an_xlsx_file(self) -> None:
        content = xlsx_bytes("到着", HEADER, [row(1), row(2)])
        batch = card_import(file_name="arrivals.xlsx", content=content, by=self.back_office)
        self.assertEqual(batch.status, ImportBatch.Status.DONE, batch.errors)
        self.assertEqual(Card.objects.count(), 2)

    def test_a_file_with_any_bad_row_imports_nothing_and_lists_every_problem(self) -> None:
        rows = [
            row(1),
            row(2, 生年月日="2026/2/30"),
            row(3, 申請書ID="123"),
            row(4, 受取庁舎="存在しない支所"),
            row(5, 住所="番号 123456789018"),
        ]
        batch = card_import(file_name="a.csv", content=csv_bytes(HEADER, rows), by=self.back_office)
        self.assertEqual(batch.status, ImportBatch.Status.FAILED)
        self.assertEqual(Card.objects.count(), 0)
        where = {(e["row"], e["column"]) for e in batch.errors}
        self.assertEqual(where, {(3, "生年月日"), (4, "申請書ID"), (5, "受取庁舎"), (6, "住所")})
        self.assertIn("存在しない日付", next(e["message"] for e in batch.errors if e["row"] == 3))
        self.assertIn("マイナンバー", next(e["message"] for e in batch.errors if e["row"] == 6))

    def test_missing_and_unknown_columns_are_reported_at_row_one(self) -> None:
        header = [c for c in HEADER if c != "生年月日"] + ["備考欄"]
        rows = [[v for c, v in zip(HEADER, row(1), strict=True) if c != "生年月日"] + ["x"]]
        batch = card_import(file_name="a.csv", content=csv_bytes(header, rows), by=self.back_office)
        self.assertEqual(batch.status, ImportBatch.Status.FAILED)
        self.assertEqual({(e["row"], e["column"]) for e in batch.errors}, {(1, "生年月日"), (1, "備考欄")})

    def test_extra_cells_beyond_the_header_are_an_error(self) -> None:
        content = csv_bytes(HEADER, [row(1) + ["余分"]])
        batch = card_import(file_name="a.csv", content=content, by=self.back_office)
        self.assertEqual(batch.status, ImportBatch.Status.FAILED)
        self.assertIn("見出しより多い", batch.errors[0]["message"])

    def test_a_too_wide_row_or_a_repeated_number_does_not_hide_the_other_rows_problems(self) -> None:
        rows = [
            row(1),
            row(2, 生年月日="令和8年2月30日"),
            row(3, 住所="123456789018"),
            row(1),
            row(4) + ["余分"],
        ]
        batch = card_import(file_name="a.csv", content=csv_bytes(HEADER, rows), by=self.back_office)
        self.assertEqual(batch.status, ImportBatch.Status.FAILED)
        self.assertEqual(Card.objects.count(), 0)
        where = [(e["row"], e["column"]) for e in batch.errors]
        self.assertEqual(
            where, [(3, "生年月日"), (4, "住所"), (5, "交付通知書番号"), (5, "申請書ID"), (6, "")]
        )

    def test_the_same_file_twice_is_refused_as_already_imported_and_a_resent_list_skips_known_cards(
        self,
    ) -> None:
        content = csv_bytes(HEADER, [row(1), row(2)])
        first = card_import(file_name="a.csv", content=content, by=self.back_office)
        with self.assertRaisesMessage(ImportDuplicate, f"取込No.{first.pk}"):
            card_import(file_name="a.csv", content=content, by=self.back_office)
        again = card_import(
            file_name="b.csv", content=csv_bytes(HEADER, [row(1), row(2), row(3)]), by=self.back_office
        )
        self.assertEqual(again.status, ImportBatch.Status.DONE)
        self.assertEqual((again.created_count, again.existing_count), (1, 2))
        self.assertEqual(Card.objects.count(), 3)
        self.assertEqual(CardEvent.objects.count(), 3)

    def test_a_notice_number_registered_with_another_application_id_fails_the_whole_file(self) -> None:
        card_import(file_name="a.csv", content=csv_bytes(HEADER, [row(1)]), by=self.back_office)
        clash = row(1, 申請書ID=f"{99:023d}")
        batch = card_import(
            file_name="b.csv", content=csv_bytes(HEADER, [row(2), clash]), by=self.back_office
        )
        self.assertEqual(batch.status, ImportBatch.Status.FAILED)
        self.assertEqual(batch.errors[0]["row"], 3)
        self.assertFalse(Card.objects.filter(notice_number="KRM000002").exists())

    def test_duplicates_inside_one_file_are_reported(self) -> None:
        batch = card_import(
            file_name="a.csv", content=csv_bytes(HEADER, [row(1), row(1)]), by=self.back_office
        )
        self.assertEqual(batch.status, ImportBatch.Status.FAILED)
        self.assertTrue(any("2行目と同じ" in e["message"] and e["row"] == 3 for e in batch.errors))

    def test_the_import_reports_progress_and_clears_the_stored_file(self) -> None:
        content = csv_bytes(HEADER, [row(n) for n in range(1, 6)])
        batch = import_batch_create(file_name="a.csv", content=content, by=self.back_office)
        self.assertEqual(batch.status, ImportBatch.Status.VALIDATING)
        self.assertEqual(Card.objects.count(), 0)
        seen: list[tuple[int, int]] = []
        batch = import_batch_run(
            batch=batch, progress=lambda done, total, message: seen.append((done, total))
        )
        self.assertEqual(batch.status, ImportBatch.Status.DONE)
        self.assertEqual(batch.payload, "")
        self.assertEqual(Card.objects.count(), 5)
        self.assertIn((5, 5), seen)

    def test_the_pending_rows_are_stored_encrypted(self) -> None:
        from django.db import connection

        batch = import_batch_create(
            file_name="a.csv", content=csv_bytes(HEADER, [row(1)]), by=self.back_office
        )
        with connection.cursor() as cursor:
            cursor.execute("SELECT payload FROM cards_importbatch WHERE id = %s", [batch.pk])
            (raw,) = cursor.fetchone()
        self.assertTrue(raw.startswith("enc1:"))
        self.assertNotIn("久留米", raw)

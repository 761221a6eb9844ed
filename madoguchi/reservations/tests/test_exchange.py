"""Bookings from the city's other reservation system (CSV in CP932/UTF-8, XLSX): all or nothing, idempotent by the
other system's id, errors naming row and column; and madoguchi's bookings exported in the same columns."""

from __future__ import annotations

import datetime
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from madoguchi.accounts.models import AuditEvent
from madoguchi.accounts.testing import BaseTestCase
from madoguchi.lib.exports import csv_bytes, read_table

from ..exchange import EXPORT_COLUMNS, INLINE_ROWS
from ..models import Reservation, Slot
from ..services import day_list
from .helpers import open_day, ready_card, set_capacity, slot_on

HEADER = [
    "外部予約ID",
    "種類",
    "庁舎",
    "日付",
    "開始時刻",
    "人数",
    "交付通知書番号",
    "生年月日",
    "氏名",
    "電話番号",
]


class ImportTests(BaseTestCase):
    def setUp(self):
        set_capacity(self.main_office, 2)
        self.day = open_day(self.main_office)
        self.slot = slot_on(self.main_office, self.day)
        self.later = slot_on(self.main_office, self.day, 1)
        self.card = ready_card(self.main_office, birth_date=datetime.date(1980, 5, 17))
        self.login(self.site_manager)
        self.url = reverse("reservations:exchange")

    def rows(self):
        d = self.day.strftime("%Y/%m/%d")
        return [
            ["ET-1001", "電子証明書の更新・再発行", "本庁", d, f"{self.slot.start:%H:%M}", "1", "", "1960/4/1",
             "久留米 太郎", "0942-30-9000"],
            ["ET-1002", "pickup", self.main_office.code, d, f"{self.later.start:%H:%M}", "", self.card.notice_number,
             "S55.5.17", "", ""],
        ]  # fmt: skip

    def upload(self, rows, *, name="etumo.csv", encoding="cp932", header=HEADER):
        content = csv_bytes(header, rows, encoding=encoding)
        return self.client.post(
            self.url,
            {"action": "import", "file": SimpleUploadedFile(name, content), "encoding": ""},
        )

    def test_a_cp932_file_from_the_other_system_is_booked_and_shows_in_the_day_list(self):
        response = self.upload(self.rows())
        self.assertRedirects(response, self.url)
        imported = Reservation.objects.order_by("external_ref")
        self.assertEqual([r.external_ref for r in imported], ["ET-1001", "ET-1002"])
        self.assertEqual({r.channel for r in imported}, {Reservation.Channel.IMPORT})
        self.assertEqual(imported[1].card_links.get().card, self.card)
        self.assertEqual(len(day_list(office=self.main_office, date=self.day)), 2)
        self.slot.refresh_from_db()
        self.assertEqual(self.slot.booked, 1)  # imported bookings take their places like any other
        self.assertTrue(AuditEvent.objects.filter(action=AuditEvent.Action.IMPORT).exists())

    def test_importing_the_same_file_again_books_nothing_twice(self):
        self.upload(self.rows())
        again = self.upload(self.rows(), encoding="utf-8")
        self.assertRedirects(again, self.url)
        self.assertEqual(Reservation.objects.count(), 2)
        from ..exchange import bookings_import

        table = read_table(csv_bytes(HEADER, self.rows()), "etumo.csv")
        result = bookings_import(table=table, by=self.site_manager)
        self.assertEqual((result.created, result.skipped, result.errors), (0, 2, []))

    def test_the_same_id_twice_in_one_file_is_named_and_nothing_is_booked(self):
        rows = self.rows()
        rows[1][0] = "ET-1001"
        response = self.upload(rows)
        self.assertContains(response, "3行目「外部予約ID」列: 2行目と同じIDです", status_code=400)
        self.assertFalse(Reservation.objects.exists())

    def test_a_booking_for_a_closed_day_rolls_back_every_row(self):
        from madoguchi.calendar.services import hours_for

        closed = self.day
        while hours_for(self.main_office, closed).is_open:
            closed += datetime.timedelta(days=1)
        rows = self.rows()
        rows[1][3] = closed.isoformat()
        response = self.upload(rows)
        self.assertContains(response, "3行目「開始時刻」列", status_code=400)
        self.assertContains(response, "予約枠がありません（休業日か開庁時間外）", status_code=400)
        self.assertFalse(Reservation.objects.exists())
        self.slot.refresh_from_db()
        self.assertEqual(self.slot.booked, 0)  # the good first row was rolled back too

    def test_a_full_time_in_the_last_row_rolls_back_the_first(self):
        Slot.objects.filter(pk=self.later.pk).update(capacity=0)
        response = self.upload(self.rows())
        self.assertContains(response, "3行目: 満席です", status_code=400)
        self.assertFalse(Reservation.objects.exists())

    def test_bad_values_are_named_by_row_and_column(self):
        rows = self.rows()
        rows[0][1] = "住民票"
        rows[0][4] = "朝"
        rows[1][6] = ""
        response = self.upload(rows)
        self.assertContains(
            response, "2行目「種類」列: 「住民票」という予約の種類はありません", status_code=400
        )
        self.assertContains(response, "2行目「開始時刻」列", status_code=400)
        self.assertContains(response, "3行目「交付通知書番号」列", status_code=400)
        self.assertFalse(Reservation.objects.exists())

    def test_a_missing_column_and_a_my_number_are_refused(self):
        response = self.upload([r[:4] for r in self.rows()], header=HEADER[:4])
        self.assertContains(response, "1行目「開始時刻」列: 必須の列がありません", status_code=400)
        rows = self.rows()
        rows[0][8] = "123456789018"
        response = self.upload(rows)
        self.assertContains(response, "個人番号（マイナンバー）は取り込めません", status_code=400)

    def test_an_xlsx_file_imports_too(self):
        from madoguchi.lib.exports import xlsx_bytes

        content = xlsx_bytes("予約", HEADER, self.rows())
        response = self.client.post(
            self.url, {"action": "import", "file": SimpleUploadedFile("etumo.xlsx", content)}
        )
        self.assertRedirects(response, self.url)
        self.assertEqual(Reservation.objects.count(), 2)

    def test_a_big_file_is_imported_by_a_job(self):
        from madoguchi.jobs.testing import run_queued_jobs

        set_capacity(self.main_office, 500)
        Slot.objects.filter(pk=self.slot.pk).update(capacity=500)
        d = self.day.isoformat()
        rows = [
            [f"BIG-{i}", "pin_reset", "本庁", d, f"{self.slot.start:%H:%M}", "1", "", "1970/1/1", f"住民 {i}",
             f"0942{i:07d}"]
            for i in range(INLINE_ROWS + 5)
        ]  # fmt: skip
        response = self.upload(rows, encoding="utf-8")
        self.assertEqual(response.status_code, 302)
        self.assertIn("/jobs/", response["Location"])
        self.assertFalse(Reservation.objects.exists())  # nothing inside the request
        [job] = run_queued_jobs()
        self.assertEqual(job.result_summary, {"登録": INLINE_ROWS + 5, "取込済みのため省略": 0})
        self.assertEqual(
            Reservation.objects.filter(channel=Reservation.Channel.IMPORT).count(), INLINE_ROWS + 5
        )

    def test_only_site_managers_import_and_export(self):
        self.login(self.operator)
        self.assertEqual(self.client.get(self.url).status_code, 403)


class ExportTests(BaseTestCase):
    def setUp(self):
        from ..services import Person, appointment_book, appointment_type_get, reservation_book

        set_capacity(self.main_office, 2)
        self.day = open_day(self.main_office)
        slot = slot_on(self.main_office, self.day)
        card = ready_card(self.main_office, birth_date=datetime.date(1980, 5, 17))
        self.pickup = reservation_book(cards=[card], slot=slot, by=self.operator, channel="phone")
        self.renewal = appointment_book(
            appointment_type=appointment_type_get("certificate"),
            slot=slot,
            by=self.operator,
            channel="phone",
            person=Person(name="久留米 花子", birth_date=datetime.date(1961, 2, 3), phone="0942-30-9001"),
        )
        self.login(self.site_manager)

    def export(self, **extra):
        data = {"action": "export", "start": self.day.isoformat(), "end": self.day.isoformat(), **extra}
        return self.client.post(reverse("reservations:exchange"), data)

    def test_the_export_has_the_import_columns_and_reads_back(self):
        response = self.export(format="xlsx")
        table = read_table(
            b"".join(response.streaming_content) if response.streaming else response.content, "x.xlsx"
        )
        self.assertEqual(table.header, EXPORT_COLUMNS)
        by_code = {row[1]: row for row in table.rows}
        self.assertEqual(by_code[self.renewal.display_code][9], "久留米 花子")
        self.assertEqual(by_code[self.pickup.display_code][2], "pickup")
        self.assertTrue(
            AuditEvent.objects.filter(
                action=AuditEvent.Action.EXPORT, object_type="reservations.export"
            ).exists()
        )

    def test_a_cp932_csv_export_opens_in_excel_as_shift_jis(self):
        response = self.export(format="csv", encoding="cp932")
        text = response.content.decode("cp932")
        self.assertIn("外部予約ID", text.splitlines()[0])
        self.assertIn("久留米 花子", text)

    def test_an_export_imports_back_as_already_there(self):
        content = self.export(format="csv").content
        response = self.client.post(
            reverse("reservations:exchange"),
            {"action": "import", "file": SimpleUploadedFile("back.csv", io.BytesIO(content).read())},
        )
        self.assertRedirects(response, reverse("reservations:exchange"))
        self.assertEqual(Reservation.objects.count(), 2)  # our own codes count as already imported

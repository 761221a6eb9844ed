from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from madoguchi.accounts.testing import BaseTestCase
from madoguchi.lib.exports import csv_bytes

from ..models import Card, ImportBatch
from .test_card_import import HEADER, row


class ImportViewTests(BaseTestCase):
    def setUp(self) -> None:
        self.login(self.back_office)

    def upload(self, content: bytes, name: str = "arrivals.csv", encoding: str = "") -> ImportBatch:
        response = self.client.post(
            reverse("cards:import"), {"file": SimpleUploadedFile(name, content), "encoding": encoding}
        )
        self.assertEqual(response.status_code, 302)
        return ImportBatch.objects.latest("pk")

    def test_an_upload_then_polling_imports_the_cards_with_progress(self) -> None:
        batch = self.upload(
            csv_bytes(HEADER, [row(n) for n in range(1, 4)], encoding="cp932"), encoding="cp932"
        )
        page = self.client.get(reverse("cards:import_batch", args=[batch.pk])).content.decode()
        self.assertIn(f'data-advance-url="/cards/import/{batch.pk}/"', page)
        self.assertIn("<progress", page)
        fragment = self.client.post(
            reverse("cards:import_batch", args=[batch.pk]), HTTP_HX_REQUEST="true"
        ).content.decode()
        self.assertIn("新規 <strong>3</strong>枚", fragment)
        self.assertNotIn("data-advance-url", fragment)
        self.assertEqual(Card.objects.count(), 3)

    def test_a_bad_file_lists_every_error_with_row_and_column(self) -> None:
        rows = [row(1, 生年月日="令和8年2月30日"), row(2, 電話番号="abc")]
        batch = self.upload(csv_bytes(HEADER, rows))
        page = self.client.post(
            reverse("cards:import_batch", args=[batch.pk]), HTTP_HX_REQUEST="true"
        ).content.decode()
        self.assertIn("2件のエラーがあるため、何も取り込んでいません", page)
        self.assertIn("2行目", page)
        self.assertIn("3行目", page)
        self.assertIn("電話番号", page)
        self.assertEqual(Card.objects.count(), 0)

    def test_a_file_that_is_not_csv_or_xlsx_is_refused_at_the_form(self) -> None:
        response = self.client.post(reverse("cards:import"), {"file": SimpleUploadedFile("a.pdf", b"%PDF")})
        self.assertEqual(response.status_code, 200)
        self.assertIn("CSV (.csv) または Excel (.xlsx)", response.content.decode())

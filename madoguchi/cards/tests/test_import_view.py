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

    def upload(
        self, content: bytes, name: str = "arrivals.csv", encoding: str = "", confirm: bool = True
    ) -> ImportBatch:
        """Upload, then (as the clerk does after looking at the preview) confirm the columns as shown."""
        response = self.client.post(
            reverse("cards:import"), {"file": SimpleUploadedFile(name, content), "encoding": encoding}
        )
        self.assertEqual(response.status_code, 302)
        batch = ImportBatch.objects.latest("pk")
        if confirm and batch.status == ImportBatch.Status.PREVIEW:
            response = self.client.post(reverse("cards:import_batch", args=[batch.pk]), {"action": "confirm"})
            self.assertEqual(response.status_code, 302)
            batch.refresh_from_db()
        return batch

    def test_an_upload_starts_a_job_whose_page_shows_progress_then_the_counts(self) -> None:
        from madoguchi.jobs.models import Job
        from madoguchi.jobs.testing import run_queued_jobs

        batch = self.upload(
            csv_bytes(HEADER, [row(n) for n in range(1, 4)], encoding="cp932"), encoding="cp932"
        )
        self.assertEqual(batch.status, ImportBatch.Status.VALIDATING)
        job = Job.objects.get(kind="cards.import")
        self.assertEqual(job.params, {"batch_id": batch.pk})
        page = self.client.get(reverse("cards:import_batch", args=[batch.pk])).content.decode()
        self.assertIn(f'id="job-{job.pk}"', page)
        [done] = run_queued_jobs()
        self.assertEqual(done.state, Job.State.DONE)
        self.assertEqual(done.result_summary["新規"], 3)
        page = self.client.get(reverse("cards:import_batch", args=[batch.pk])).content.decode()
        self.assertIn("新規 <strong>3</strong>枚", page)
        self.assertIn("Shift_JIS (CP932)", page)
        self.assertEqual(Card.objects.count(), 3)

    def test_a_bad_file_lists_every_error_with_row_and_column(self) -> None:
        from madoguchi.jobs.testing import run_queued_jobs

        rows = [row(1, 生年月日="令和8年2月30日"), row(2, 電話番号="abc")]
        batch = self.upload(csv_bytes(HEADER, rows))
        run_queued_jobs()
        page = self.client.get(reverse("cards:import_batch", args=[batch.pk])).content.decode()
        self.assertIn("2件のエラーがあるため、何も取り込んでいません", page)
        self.assertIn("2行目", page)
        self.assertIn("3行目", page)
        self.assertIn("電話番号", page)
        self.assertEqual(Card.objects.count(), 0)

    def test_a_pdf_is_refused_naming_what_it_really_is(self) -> None:
        batch = self.upload(b"%PDF-1.4 ...", name="arrivals.csv")
        self.assertEqual(batch.status, ImportBatch.Status.FAILED)
        self.assertIn("PDF ファイルです", batch.errors[0]["message"])

    def test_the_same_file_uploaded_again_points_to_the_first_import(self) -> None:
        content = csv_bytes(HEADER, [row(1)])
        first = self.upload(content)
        response = self.client.post(
            reverse("cards:import"),
            {"file": SimpleUploadedFile("again.csv", content), "encoding": ""},
            follow=True,
        )
        self.assertContains(response, f"同じファイルは取込No.{first.pk}")
        self.assertContains(response, "取込中です")
        self.assertEqual(ImportBatch.objects.count(), 1)

from __future__ import annotations

import datetime
import io

from django.urls import reverse
from django.utils import timezone

from madoguchi.accounts.models import AuditEvent
from madoguchi.accounts.testing import BaseTestCase

from ..ledgers import disposals, receipts_ledger
from ..models import Card
from ..services import card_transition, card_transition_undo
from .factories import make_card

S = Card.State


class LedgerTests(BaseTestCase):
    def test_the_receipts_ledger_counts_each_day_and_ignores_undone_steps(self) -> None:
        from ..models import CardEvent

        today = timezone.localdate()
        a = make_card(self.main_office, state=S.PREPARED)
        b = make_card(self.main_office, state=S.UNCLAIMED)
        c = make_card(self.main_office, state=S.PREPARED)
        for card in (a, b, c):
            CardEvent.objects.create(card=card, at=timezone.now(), from_state="", to_state=S.RECEIVED)
        card_transition(card=a, to_state=S.ISSUED, by=self.back_office)
        card_transition(card=b, to_state=S.DESTROYED, by=self.back_office, note="保管期限経過")
        undone = card_transition(card=c, to_state=S.ISSUED, by=self.back_office)
        card_transition_undo(event=undone, by=self.back_office)
        [day] = receipts_ledger(start=today, end=today)
        self.assertEqual(
            (day.received, day.issued, day.returned, day.destroyed, day.balance), (3, 1, 0, 1, 1)
        )
        rows = disposals(start=today, end=today)
        self.assertEqual(
            [(r[1], r[2], r[5], r[6]) for r in rows],
            [("廃棄", b.notice_number, self.main_office.name, "保管期限経過")],
        )

    def test_the_ledgers_download_as_xlsx_or_cp932_csv_and_are_audited(self) -> None:
        from openpyxl import load_workbook

        today = timezone.localdate()
        card = make_card(self.main_office, state=S.UNCLAIMED)
        card_transition(card=card, to_state=S.RETURNED, by=self.back_office, note="J-LISへ返納")
        self.login(self.back_office)
        data = {"kind": "disposals", "start": today - datetime.timedelta(days=1), "end": today, "fmt": "csv"}
        csv = self.client.post(reverse("cards:ledgers"), data | {"encoding": "cp932"})
        self.assertEqual(csv.status_code, 200)
        text = csv.content.decode("cp932")
        self.assertIn("交付通知書番号", text)
        self.assertIn(f"返納,{card.notice_number}", text)
        self.assertNotIn(card.applicant_name, text)
        xlsx = self.client.post(reverse("cards:ledgers"), data | {"kind": "receipts", "fmt": "xlsx"})
        sheet = load_workbook(io.BytesIO(xlsx.content)).active
        self.assertEqual(sheet.cell(1, 1).value, "日付")
        self.assertEqual(sheet.max_row, 3)  # header + two days
        self.assertEqual(
            AuditEvent.objects.filter(
                action=AuditEvent.Action.EXPORT, object_type__startswith="cards."
            ).count(),
            2,
        )

    def test_the_ledgers_print_as_pdf_with_every_day_and_every_disposal(self) -> None:
        from pypdf import PdfReader

        today = timezone.localdate()
        card = make_card(self.main_office, state=S.UNCLAIMED)
        card_transition(card=card, to_state=S.DESTROYED, by=self.back_office, note="保管期限経過のため廃棄")
        self.login(self.back_office)
        start = today - datetime.timedelta(days=40)
        data = {"start": start, "end": today, "fmt": "pdf"}
        receipts = self.client.post(reverse("cards:ledgers"), data | {"kind": "receipts"})
        self.assertEqual(receipts["Content-Type"], "application/pdf")
        reader = PdfReader(io.BytesIO(receipts.content))
        self.assertGreaterEqual(len(reader.pages), 2)  # 41 days do not fit one page; the heading repeats
        text = "".join(page.extract_text() for page in reader.pages)
        self.assertIn("受払簿", text)
        self.assertIn(start.isoformat(), text)
        self.assertIn(today.isoformat(), text)
        self.assertIn("残高", reader.pages[1].extract_text())
        disposals_pdf = self.client.post(reverse("cards:ledgers"), data | {"kind": "disposals"})
        text = PdfReader(io.BytesIO(disposals_pdf.content)).pages[0].extract_text()
        self.assertIn(card.notice_number, text)
        self.assertIn("廃棄", text)
        self.assertNotIn(card.applicant_name, text)
        self.assertTrue(
            AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT, detail__format="pdf").exists()
        )

    def test_the_published_books_are_what_the_monthly_report_appends(self) -> None:
        from madoguchi.reports.services import monthly_report_build

        today = timezone.localdate()
        card = make_card(self.main_office, state=S.UNCLAIMED)
        card_transition(card=card, to_state=S.RETURNED, by=self.back_office, note="J-LISへ返納")
        data = monthly_report_build(year=today.year, month=today.month, today=today)
        receipts, disposal = data.further
        self.assertEqual(data.attachments[2:], [("別紙3", "カード受払簿"), ("別紙4", "カード返納・廃棄簿")])
        self.assertEqual(receipts.caption, "カード受払簿")
        self.assertEqual(len(receipts.rows), today.day)  # the 1st of the month to today
        self.assertEqual(disposal.rows[0][1:3], ["返納", card.notice_number])

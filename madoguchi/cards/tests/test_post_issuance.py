from __future__ import annotations

import csv
import datetime
import io

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from madoguchi.accounts.models import AuditEvent
from madoguchi.accounts.testing import BaseTestCase

from ..models import Card, PostIssuance
from ..services import post_issuance_export, post_issuance_record
from .factories import make_card

S = Card.State
CHECKS = {"id_sheet_filed": True, "notice_filed": True}


class PostIssuanceTests(BaseTestCase):
    def test_it_records_the_date_confirms_the_scanned_number_and_finishes_the_card(self) -> None:
        card = make_card(self.main_office, state=S.ISSUED)
        day = timezone.localdate()
        post_issuance_record(
            card=card,
            scanned_notice=card.notice_number.lower(),
            issued_on=day,
            checks=CHECKS,
            by=self.back_office,
        )
        card.refresh_from_db()
        self.assertEqual((card.state, card.issued_on), (S.POST_PROCESSED, day))
        self.assertTrue(PostIssuance.objects.get(card=card).notice_confirmed)

    def test_a_scanned_number_that_does_not_match_is_refused(self) -> None:
        card = make_card(self.main_office, state=S.ISSUED)
        with self.assertRaisesMessage(ValidationError, "一致しません"):
            post_issuance_record(
                card=card,
                scanned_notice="AAA000000",
                issued_on=timezone.localdate(),
                checks=CHECKS,
                by=self.back_office,
            )
        card.refresh_from_db()
        self.assertEqual(card.state, S.ISSUED)

    def test_the_sorting_checklist_must_be_complete(self) -> None:
        card = make_card(self.main_office, state=S.ISSUED)
        with self.assertRaisesMessage(ValidationError, "交付通知書（照会書）を綴った"):
            post_issuance_record(
                card=card,
                scanned_notice=card.notice_number,
                issued_on=timezone.localdate(),
                checks={"id_sheet_filed": True},
                by=self.back_office,
            )

    def test_a_card_not_yet_issued_cannot_be_post_processed(self) -> None:
        card = make_card(self.main_office, state=S.PREPARED)
        with self.assertRaisesMessage(ValidationError, "交付済のカードのみ"):
            post_issuance_record(
                card=card,
                scanned_notice=card.notice_number,
                issued_on=timezone.localdate(),
                checks=CHECKS,
                by=self.back_office,
            )

    def test_the_export_holds_new_rows_once_in_cp932_and_is_audited(self) -> None:
        cards = [make_card(self.main_office, state=S.ISSUED) for _ in range(2)]
        for card in cards:
            post_issuance_record(
                card=card,
                scanned_notice=card.notice_number,
                issued_on=datetime.date(2026, 4, 10),
                checks=CHECKS,
                by=self.back_office,
            )
        content, count = post_issuance_export(by=self.back_office, encoding="cp932")
        rows = list(csv.reader(io.StringIO(content.decode("cp932"))))
        self.assertEqual(
            rows[0], ["交付通知書番号", "申請書ID", "交付日", "交付場所コード", "種別", "申請方式"]
        )
        self.assertEqual(sorted(r[0] for r in rows[1:]), sorted(c.notice_number for c in cards))
        self.assertEqual(rows[1][2], "2026-04-10")
        self.assertEqual(count, 2)
        self.assertEqual(post_issuance_export(by=self.back_office)[1], 0)
        self.assertEqual(post_issuance_export(by=self.back_office, include_exported=True)[1], 2)
        self.assertEqual(
            AuditEvent.objects.filter(
                action=AuditEvent.Action.EXPORT, object_type="cards.postissuance"
            ).count(),
            3,
        )

    def test_the_post_issuance_screen_moves_on_to_the_next_card(self) -> None:
        first = make_card(self.main_office, state=S.ISSUED, issued_on=datetime.date(2026, 4, 1))
        second = make_card(self.main_office, state=S.ISSUED, issued_on=datetime.date(2026, 4, 2))
        self.login(self.back_office)
        response = self.client.post(
            reverse("cards:post_card", args=[first.pk]),
            {
                "scanned_notice": first.notice_number,
                "issued_on": "令和8年4月1日",
                "id_sheet_filed": "on",
                "notice_filed": "on",
            },
        )
        self.assertRedirects(response, reverse("cards:post_card", args=[second.pk]))
        wrong = self.client.post(
            reverse("cards:post_card", args=[second.pk]),
            {
                "scanned_notice": first.notice_number,
                "issued_on": "2026/4/2",
                "id_sheet_filed": "on",
                "notice_filed": "on",
            },
        )
        self.assertContains(wrong, "一致しません")
        export = self.client.post(reverse("cards:post_export"), {"encoding": "utf-8"})
        self.assertEqual(export["Content-Type"], "text/csv")
        self.assertIn(first.notice_number, export.content.decode("utf-8-sig"))

from __future__ import annotations

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from madoguchi.accounts.testing import BaseTestCase
from madoguchi.lib.exports import csv_bytes

from ..models import Card
from ..register_changes import register_changes_apply
from .factories import events_of, make_card

S = Card.State
HEADER = ["交付通知書番号", "氏名カナ", "生年月日", "異動事由", "異動日"]


class RegisterChangesTests(BaseTestCase):
    def test_cards_named_in_the_change_list_go_on_hold_with_the_reason(self) -> None:
        moved = make_card(self.main_office, state=S.NOTICE_MAILED)
        died = make_card(
            self.main_office,
            state=S.FILED,
            applicant_kana="チクゴ イチロウ",
            birth_date=datetime.date(1950, 1, 2),
        )
        issued = make_card(self.main_office, state=S.ISSUED)
        content = csv_bytes(
            HEADER,
            [
                [moved.notice_number, "", "", "転出", "令和8年11月1日"],
                ["", "ちくご いちろう", "1950/1/2", "死亡", ""],
                [issued.notice_number, "", "", "氏名変更", ""],
            ],
            encoding="cp932",
        )
        result = register_changes_apply(file_name="異動.csv", content=content, by=self.back_office)
        self.assertEqual(result.errors, [])
        self.assertEqual({c.pk for c in result.held}, {moved.pk, died.pk})
        self.assertEqual([c.pk for c in result.already], [issued.pk])
        moved.refresh_from_db()
        self.assertEqual(moved.state, S.ON_HOLD)
        self.assertIn("住民異動（転出 2026年11月1日）", moved.events.latest("pk").note)
        self.assertEqual(events_of(issued), [])

    def test_one_unknown_card_changes_nothing_and_names_the_row(self) -> None:
        card = make_card(self.main_office, state=S.NOTICE_MAILED)
        content = csv_bytes(
            HEADER, [[card.notice_number, "", "", "転出", ""], ["ZZZ999999", "", "", "死亡", ""]]
        )
        self.login(self.back_office)
        page = self.client.post(
            reverse("cards:register_changes"), {"file": SimpleUploadedFile("a.csv", content), "encoding": ""}
        ).content.decode()
        self.assertIn("どのカードも変更していません", page)
        self.assertIn("3行目", page)
        card.refresh_from_db()
        self.assertEqual(card.state, S.NOTICE_MAILED)

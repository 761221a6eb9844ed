"""Corrections on the card page: wrong data fixed through services.card_correct, audited, shown in the history."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.urls import reverse

from madoguchi.accounts.models import AuditEvent
from madoguchi.accounts.testing import BaseTestCase

from ..models import Card, CardCorrection
from ..services import card_correct, card_find, card_find_by_kana
from .factories import make_card

S = Card.State


class CardCorrectServiceTests(BaseTestCase):
    def test_only_the_changed_fields_are_corrected_and_the_lookups_follow_the_new_birth_date(self) -> None:
        card = make_card(
            self.main_office,
            state=S.FILED,
            applicant_name="久留米 花子",
            birth_date=datetime.date(1985, 4, 1),
        )
        correction = card_correct(
            card=card,
            by=self.back_office,
            reason="申請書と照合して生年月日を訂正",
            applicant_name="久留米 花子",
            applicant_kana=card.applicant_kana,
            birth_date=datetime.date(1985, 4, 2),
        )
        self.assertEqual(correction.changed, ["birth_date"])
        self.assertEqual((correction.status, correction.batch), (CardCorrection.Status.APPLIED, None))
        card.refresh_from_db()
        self.assertEqual(card.birth_date, datetime.date(1985, 4, 2))
        self.assertEqual(card.state, S.FILED)  # the state does not change
        self.assertEqual(
            card_find(notice_number=card.notice_number, birth_date=datetime.date(1985, 4, 2)), card
        )
        self.assertIsNone(card_find(notice_number=card.notice_number, birth_date=datetime.date(1985, 4, 1)))
        audit = AuditEvent.objects.get(action=AuditEvent.Action.UPDATE, object_id=str(card.pk))
        self.assertEqual(audit.detail["fields"], ["birth_date"])
        self.assertNotIn("1985", str(audit.detail))  # field names only, never the values

    def test_a_name_with_a_character_the_font_lacks_is_flagged_and_the_flag_clears_when_fixed(self) -> None:
        card = make_card(self.main_office, applicant_name="吉田 一郎")
        card_correct(card=card, by=self.back_office, reason="外字", applicant_name="\ue000田 一郎")
        card.refresh_from_db()
        self.assertIn("私用領域 U+E000", card.gaiji_note)
        card_correct(card=card, by=self.back_office, reason="照合済み", applicant_name="吉田 一郎")
        card.refresh_from_db()
        self.assertEqual(card.gaiji_note, "")

    def test_bad_values_nothing_changed_or_no_reason_are_refused_naming_the_field(self) -> None:
        card = make_card(self.main_office, applicant_kana="クルメ ハナコ")
        cases = [
            ({"applicant_kana": "久留米"}, "applicant_kana"),
            ({"applicant_name": "久留米\u200b花子"}, "applicant_name"),
            ({"phone": "電話なし"}, "phone"),
            ({"address": "城南町 123456789018"}, "address"),
            ({"birth_date": datetime.date(2099, 1, 1)}, "birth_date"),
        ]
        for values, field in cases:
            with self.subTest(field=field), self.assertRaises(ValidationError) as caught:
                card_correct(card=card, by=self.back_office, reason="訂正", **values)
            self.assertIn(field, caught.exception.message_dict)
        with self.assertRaises(ValidationError) as caught:
            card_correct(card=card, by=self.back_office, reason="", applicant_kana="クルメ ハナ")
        self.assertIn("reason", caught.exception.message_dict)
        with self.assertRaisesMessage(ValidationError, "変更された項目がありません"):
            card_correct(card=card, by=self.back_office, reason="訂正", applicant_kana="クルメ ハナコ")
        self.assertFalse(CardCorrection.objects.exists())
        card.refresh_from_db()
        self.assertEqual(card.applicant_kana, "クルメ ハナコ")


class CardCorrectPageTests(BaseTestCase):
    def form(self, card: Card, **over: str) -> dict[str, str]:
        data = {
            "fix-applicant_name": card.applicant_name,
            "fix-applicant_kana": card.applicant_kana,
            "fix-birth_date": card.birth_date.isoformat(),
            "fix-address": "",
            "fix-phone": "",
            "fix-reason": "交付通知書と照合して訂正",
        }
        data.update({f"fix-{k}": v for k, v in over.items()})
        return data

    def test_a_clerk_corrects_the_kana_and_the_history_shows_it_with_the_reason(self) -> None:
        card = make_card(self.main_office, applicant_kana="クルメ ハナコ")
        self.login(self.back_office)
        response = self.client.post(
            reverse("cards:card_correct", args=[card.pk]),
            self.form(card, applicant_kana="クルメ ハナ"),
            follow=True,
        )
        self.assertContains(response, "氏名カナを訂正しました")
        page = response.content.decode()
        history = page[page.index('id="timeline"') :]
        self.assertIn("記載事項の訂正", history)
        self.assertIn("氏名カナを訂正（カード画面）: 交付通知書と照合して訂正", history)
        self.assertEqual(card_find_by_kana(kana="くるめ はな", birth_date=card.birth_date), [card])

    def test_a_blank_address_leaves_the_address_as_it_was(self) -> None:
        card = make_card(self.main_office, address="久留米市城南町15-3", applicant_name="久留米 花子")
        self.login(self.back_office)
        self.client.post(
            reverse("cards:card_correct", args=[card.pk]), self.form(card, applicant_name="久留米 華子")
        )
        card.refresh_from_db()
        self.assertEqual((card.applicant_name, card.address), ("久留米 華子", "久留米市城南町15-3"))

    def test_a_refused_correction_shows_the_reason_on_the_open_form_and_changes_nothing(self) -> None:
        card = make_card(self.main_office, applicant_kana="クルメ ハナコ")
        self.login(self.back_office)
        response = self.client.post(
            reverse("cards:card_correct", args=[card.pk]), self.form(card, applicant_kana="漢字")
        )
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "カナ以外の文字が含まれています", status_code=400)
        self.assertContains(response, 'id="card-correction" open', status_code=400)
        self.assertFalse(CardCorrection.objects.exists())

    def test_operators_who_only_read_cards_cannot_correct_them(self) -> None:
        card = make_card(self.main_office)
        self.login(self.operator)
        self.assertNotIn(
            'id="card-correction"', self.client.get(reverse("cards:detail", args=[card.pk])).content.decode()
        )
        response = self.client.post(
            reverse("cards:card_correct", args=[card.pk]), self.form(card, applicant_name="x")
        )
        self.assertEqual(response.status_code, 403)

from __future__ import annotations

import datetime

from madoguchi.accounts.testing import BaseTestCase

from ..models import Card
from ..services import card_find, card_find_by_kana
from .factories import make_card


class CardFindTests(BaseTestCase):
    def test_it_finds_a_card_by_notice_number_and_birth_date_in_any_width_or_case(self) -> None:
        card = make_card(self.main_office, notice_number="krm-123456", birth_date=datetime.date(1990, 1, 2))
        self.assertEqual(card.notice_number, "KRM123456")
        found = card_find(notice_number="ｋｒｍ１２３４５６", birth_date=datetime.date(1990, 1, 2))
        self.assertEqual(found, card)

    def test_it_finds_nothing_when_the_birth_date_differs(self) -> None:
        make_card(self.main_office, notice_number="KRM123456", birth_date=datetime.date(1990, 1, 2))
        self.assertIsNone(card_find(notice_number="KRM123456", birth_date=datetime.date(1990, 1, 3)))

    def test_it_finds_cards_by_kana_ignoring_spaces_and_hiragana(self) -> None:
        card = make_card(
            self.main_office, applicant_kana="クルメ ハナコ", birth_date=datetime.date(2001, 3, 4)
        )
        make_card(self.main_office, applicant_kana="クルメ ハナコ", birth_date=datetime.date(2001, 3, 5))
        self.assertEqual(card_find_by_kana(kana="くるめはなこ", birth_date=datetime.date(2001, 3, 4)), [card])

    def test_personal_fields_are_stored_encrypted(self) -> None:
        from django.db import connection

        card = make_card(self.main_office, applicant_name="筑後 一郎")
        with connection.cursor() as cursor:
            cursor.execute("SELECT applicant_name, birth_date FROM cards_card WHERE id = %s", [card.pk])
            name, birth = cursor.fetchone()
        self.assertTrue(name.startswith("enc1:"))
        self.assertNotIn("筑後", name)
        self.assertTrue(birth.startswith("enc1:"))
        self.assertEqual(Card.objects.get(pk=card.pk).applicant_name, "筑後 一郎")

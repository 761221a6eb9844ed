from __future__ import annotations

from django.urls import reverse

from madoguchi.accounts.models import AuditEvent
from madoguchi.accounts.testing import BaseTestCase

from ..models import Card
from .factories import make_card, make_location

S = Card.State


class StocktakeTests(BaseTestCase):
    def test_scanning_a_cabinet_shows_missing_wrong_place_and_unknown_cards(self) -> None:
        a01, a02, b01 = make_location("A", "01"), make_location("A", "02"), make_location("B", "01")
        present = make_card(self.main_office, state=S.FILED, storage_location=a01)
        missing = make_card(self.main_office, state=S.NOTICE_MAILED, storage_location=a02)
        elsewhere = make_card(self.main_office, state=S.FILED, storage_location=b01)
        make_card(self.main_office, state=S.ISSUED, storage_location=a01)  # handed over: not expected here
        self.login(self.back_office)
        scanned = f"{present.notice_number}\n{elsewhere.notice_number.lower()}\nZZZ999999\n{present.notice_number}\n"
        page = self.client.post(
            reverse("cards:stocktake"), {"place": "a", "scanned": scanned}
        ).content.decode()
        self.assertIn("あるはずのカード 2枚、一致 1枚", page)
        self.assertIn("不足 1枚", page)
        self.assertIn(missing.notice_number, page)
        self.assertIn("別の場所のカード 1枚", page)
        self.assertIn("B-01", page)
        self.assertIn("ZZZ999999", page)
        self.assertIn("二重スキャン 1件", page)
        audit = AuditEvent.objects.filter(action=AuditEvent.Action.LIST, detail__stocktake="A").get()
        self.assertEqual(audit.detail["missing"], 1)

    def test_a_complete_cabinet_says_everything_matches(self) -> None:
        box = make_location("C", "01")
        cards = [make_card(self.main_office, state=S.FILED, storage_location=box) for _ in range(3)]
        self.login(self.back_office)
        page = self.client.post(
            reverse("cards:stocktake"), {"place": "C-01", "scanned": " ".join(c.notice_number for c in cards)}
        ).content.decode()
        self.assertIn("すべて一致しました（3枚）", page)

    def test_stocktake_is_for_staff_who_scan_cards(self) -> None:
        self.login(self.operator)
        self.assertEqual(self.client.get(reverse("cards:stocktake")).status_code, 403)

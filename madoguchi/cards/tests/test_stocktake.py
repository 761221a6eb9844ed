from __future__ import annotations

from django.urls import reverse

from madoguchi.accounts.models import AuditEvent
from madoguchi.accounts.testing import BaseTestCase

from ..models import Card, Stocktake
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
            reverse("cards:stocktake"), {"place": "a", "scanned": scanned}, follow=True
        ).content.decode()
        self.assertIn("あるはずのカード 2枚、一致 1枚", page)
        self.assertIn("不足 1枚", page)
        self.assertIn(missing.notice_number, page)
        self.assertIn("別の場所のカード 1枚", page)
        self.assertIn("B-01", page)
        self.assertIn("ZZZ999999", page)
        self.assertIn("二重スキャン 1件", page)
        record = Stocktake.objects.get()
        self.assertEqual((record.place, record.expected_count, record.scanned_count), ("A", 2, 3))
        self.assertEqual(
            record.missing, [{"notice": missing.notice_number, "place": "A-02", "state": "通知書発送済"}]
        )
        self.assertEqual(record.wrong_place[0]["place"], "B-01")
        self.assertEqual(record.unknown, ["ZZZ999999"])
        audit = AuditEvent.objects.filter(action=AuditEvent.Action.CREATE, detail__stocktake="A").get()
        self.assertEqual((audit.actor, audit.detail["missing"]), (self.back_office, 1))
        history = self.client.get(reverse("cards:stocktake")).content.decode()
        self.assertIn(reverse("cards:stocktake_result", args=[record.pk]), history)

    def test_a_complete_cabinet_says_everything_matches(self) -> None:
        box = make_location("C", "01")
        cards = [make_card(self.main_office, state=S.FILED, storage_location=box) for _ in range(3)]
        self.login(self.back_office)
        page = self.client.post(
            reverse("cards:stocktake"),
            {"place": "C-01", "scanned": " ".join(c.notice_number for c in cards)},
            follow=True,
        ).content.decode()
        self.assertIn("すべて一致しました（3枚）", page)

    def test_stocktake_is_for_staff_who_scan_cards(self) -> None:
        self.login(self.operator)
        self.assertEqual(self.client.get(reverse("cards:stocktake")).status_code, 403)

    def test_the_scan_screen_for_a_place_lists_what_should_be_there_for_the_running_count(self) -> None:
        box = make_location("D", "01")
        cards = [make_card(self.main_office, state=S.FILED, storage_location=box) for _ in range(2)]
        self.login(self.back_office)
        page = self.client.get(reverse("cards:stocktake"), {"place": "D"}).content.decode()
        self.assertIn('id="st-expected-numbers"', page)
        for card in cards:
            self.assertIn(card.notice_number, page)
        self.assertIn('aria-current="page"', page)  # the stocktake mode of the scan station

    def test_a_my_number_scanned_by_mistake_is_refused_and_nothing_is_kept(self) -> None:
        make_location("E", "01")
        self.login(self.back_office)
        response = self.client.post(reverse("cards:stocktake"), {"place": "E", "scanned": "123456789018"})
        self.assertContains(response, "個人番号")
        self.assertFalse(Stocktake.objects.exists())

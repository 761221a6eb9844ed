from __future__ import annotations

from django.urls import reverse

from madoguchi.accounts.testing import BaseTestCase

from ..models import Card, CardEvent
from .factories import make_card, make_location


class ScanViewTests(BaseTestCase):
    def setUp(self) -> None:
        self.login(self.back_office)

    def scan(self, number: str, step: str = "set_up", **extra: str) -> dict:
        response = self.client.post(
            reverse("cards:scan_apply"), {"step": step, "notice_number": number, **extra}
        )
        return response.json()

    def test_the_scan_page_autofocuses_the_notice_number_field_and_loads_its_script(self) -> None:
        html = self.client.get(reverse("cards:scan")).content.decode()
        self.assertIn('id="id_notice_number"', html)
        self.assertIn("autofocus", html)
        self.assertIn("madoguchi/cards.js", html)
        self.assertNotIn("<script>", html)

    def test_a_scan_applies_the_step_and_a_second_scan_is_refused_as_double(self) -> None:
        card = make_card(self.main_office)
        first = self.scan(card.notice_number.lower())
        self.assertTrue(first["ok"], first)
        self.assertIn("交付前設定済", first["message"])
        second = self.scan(card.notice_number)
        self.assertFalse(second["ok"])
        self.assertIn("二重スキャン", second["message"])
        self.assertEqual(CardEvent.objects.filter(card=card).count(), 1)

    def test_an_unknown_number_is_refused_clearly(self) -> None:
        result = self.scan("ＺＺＺ９９９９９９")
        self.assertEqual(
            result, {"ok": False, "number": "ZZZ999999", "message": "ZZZ999999: 該当するカードがありません。"}
        )

    def test_filing_needs_a_known_location_code(self) -> None:
        card = make_card(self.main_office, state=Card.State.SET_UP)
        self.assertIn("収納場所コード", self.scan(card.notice_number, "filed", location="Q-9")["message"])
        location = make_location("A", "03", "12")
        result = self.scan(card.notice_number, "filed", location="a0312")
        self.assertTrue(result["ok"], result)
        card.refresh_from_db()
        self.assertEqual(card.storage_location, location)

    def test_undo_reverses_the_last_scan(self) -> None:
        card = make_card(self.main_office)
        event = self.scan(card.notice_number)["event"]
        result = self.client.post(reverse("cards:scan_undo"), {"event": event}).json()
        self.assertTrue(result["ok"], result)
        card.refresh_from_db()
        self.assertEqual(card.state, Card.State.RECEIVED)

    def test_an_individual_number_as_the_return_reason_is_refused(self) -> None:
        card = make_card(self.main_office, state=Card.State.NOTICE_MAILED)
        result = self.client.post(
            reverse("cards:scan_apply"),
            {"step": "notice_returned", "notice_number": card.notice_number, "note": "123456789018"},
        )
        self.assertEqual(result.status_code, 400)
        self.assertIn("マイナンバー", result.json()["message"])
        card.refresh_from_db()
        self.assertEqual(card.state, Card.State.NOTICE_MAILED)

    def test_an_individual_number_scanned_as_a_notice_number_is_refused_and_not_echoed(self) -> None:
        response = self.client.post(
            reverse("cards:scan_apply"), {"step": "set_up", "notice_number": "1234 5678 9018"}
        )
        self.assertEqual(response.status_code, 400)
        result = response.json()
        self.assertFalse(result["ok"])
        self.assertIn("マイナンバー", result["message"])
        self.assertNotIn("123456789018", response.content.decode())

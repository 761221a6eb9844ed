from __future__ import annotations

from django.urls import reverse

from madoguchi.accounts.models import AuditEvent
from madoguchi.accounts.testing import BaseTestCase

from ..models import Card, StorageLocation
from .factories import events_of, make_card, make_location

S = Card.State


class CardDetailTests(BaseTestCase):
    def test_the_card_page_shows_the_timeline_and_is_audited(self) -> None:
        card = make_card(self.main_office, applicant_name="筑後 一郎")
        self.login(self.back_office)
        self.client.post(reverse("cards:detail", args=[card.pk]), {"to_state": "set_up"})
        page = self.client.get(reverse("cards:detail", args=[card.pk])).content.decode()
        self.assertIn("筑後 一郎", page)
        self.assertIn('id="timeline"', page)
        self.assertIn("交付前設定済", page)
        self.assertTrue(
            AuditEvent.objects.filter(action=AuditEvent.Action.VIEW, object_id=str(card.pk)).exists()
        )

    def test_filing_from_the_card_page_needs_a_location_and_then_applies(self) -> None:
        card = make_card(self.main_office, state=S.SET_UP)
        location = make_location("D", "04")
        self.login(self.back_office)
        refused = self.client.post(reverse("cards:detail", args=[card.pk]), {"to_state": "filed"})
        self.assertContains(refused, "収納場所が決まっていません")
        done = self.client.post(
            reverse("cards:detail", args=[card.pk]), {"to_state": "filed", "storage_location": location.pk}
        )
        self.assertRedirects(done, reverse("cards:detail", args=[card.pk]))
        self.assertEqual(events_of(card), [(S.SET_UP, S.FILED)])

    def test_operators_read_the_card_but_cannot_change_it(self) -> None:
        card = make_card(self.main_office)
        self.login(self.operator)
        page = self.client.get(reverse("cards:detail", args=[card.pk])).content.decode()
        self.assertNotIn("状態を変更する", page)
        response = self.client.post(reverse("cards:detail", args=[card.pk]), {"to_state": "set_up"})
        self.assertEqual(response.status_code, 403)
        card.refresh_from_db()
        self.assertEqual(card.state, S.RECEIVED)

    def test_search_by_kana_and_birth_date_finds_the_card(self) -> None:
        import datetime

        card = make_card(
            self.main_office, applicant_kana="クルメ ジロウ", birth_date=datetime.date(1990, 4, 1)
        )
        make_card(self.main_office, applicant_kana="クルメ ジロウ", birth_date=datetime.date(1990, 4, 2))
        self.login(self.operator)
        response = self.client.post(
            reverse("cards:search"), {"kana": "くるめ じろう", "birth_date": "平成2年4月1日"}
        )
        self.assertRedirects(response, reverse("cards:detail", args=[card.pk]))
        refused = self.client.post(reverse("cards:search"), {"notice_number": "1234 5678 9018"})
        self.assertContains(refused, "12桁の数字")

    def test_search_keeps_the_name_and_birth_date_out_of_the_url(self) -> None:
        import datetime

        make_card(self.main_office, applicant_kana="クルメ ジロウ", birth_date=datetime.date(1990, 4, 1))
        self.login(self.operator)
        page = self.client.get(reverse("cards:search")).content.decode()
        self.assertIn('method="post"', page)
        self.assertNotIn("hx-push-url", page)
        by_url = self.client.get(reverse("cards:search"), {"kana": "クルメ ジロウ", "birth_date": "1990/4/1"})
        self.assertEqual(by_url.status_code, 200)  # shows the empty form, searches nothing
        self.assertNotContains(by_url, "くるめ")
        self.assertNotContains(by_url, "<table")


class StorageLocationTests(BaseTestCase):
    def test_a_location_is_added_once_with_a_normalised_code(self) -> None:
        self.login(self.back_office)
        response = self.client.post(
            reverse("cards:locations"), {"cabinet": "ａ", "box": "03", "slot": "", "capacity": 80}
        )
        self.assertRedirects(response, reverse("cards:locations"))
        self.assertEqual(StorageLocation.objects.get().code, "A-03")
        again = self.client.post(
            reverse("cards:locations"), {"cabinet": "A", "box": "03", "slot": "", "capacity": 80}
        )
        self.assertContains(again, "収納場所 A-03 はすでにあります")


class DashboardWidgetTests(BaseTestCase):
    def test_the_home_page_shows_the_card_queues_to_the_back_office(self) -> None:
        make_card(self.main_office)
        self.login(self.back_office)
        page = self.client.get("/").content.decode()
        self.assertIn("カードの作業", page)
        self.assertIn("交付前設定待ち", page)
        self.login(self.operator)
        self.assertNotIn("カードの作業", self.client.get("/").content.decode())

from __future__ import annotations

import datetime
import json

from madoguchi.accounts.models import AuditEvent
from madoguchi.accounts.testing import BaseTestCase

from ..models import Card
from .factories import events_of, make_card, make_location


class CardsApiTests(BaseTestCase):
    def lookup(self, notice: str, birth: str):  # type: ignore[no-untyped-def]
        body = json.dumps({"notice_number": notice, "birth_date": birth})
        return self.client.post("/api/cards/lookup", body, content_type="application/json")

    def test_lookup_takes_the_birth_date_in_the_body_never_in_the_url(self) -> None:
        card = make_card(self.main_office, birth_date=datetime.date(1970, 2, 3))
        self.login(self.operator)
        by_url = self.client.get(
            "/api/cards/lookup", {"notice_number": card.notice_number, "birth_date": "1970-02-03"}
        )
        self.assertEqual(by_url.status_code, 405)

    def test_lookup_needs_notice_number_and_birth_date_and_is_audited(self) -> None:
        card = make_card(self.main_office, birth_date=datetime.date(1970, 2, 3))
        self.login(self.operator)
        ok = self.lookup(card.notice_number.lower(), "1970-02-03")
        self.assertEqual(ok.status_code, 200)
        self.assertEqual(ok.json()["id"], card.pk)
        self.assertEqual(ok.json()["applicant_kana"], "クルメ タロウ")
        wrong = self.lookup(card.notice_number, "1970-02-04")
        self.assertEqual(wrong.status_code, 404)
        self.assertEqual(
            AuditEvent.objects.filter(action=AuditEvent.Action.SEARCH, object_type="cards.card").count(), 2
        )

    def test_lookup_is_refused_to_floor_staff(self) -> None:
        card = make_card(self.main_office)
        self.login(self.floor)
        response = self.lookup(card.notice_number, "1980-05-17")
        self.assertEqual(response.status_code, 403)

    def test_transition_applies_a_step_and_refuses_an_illegal_one(self) -> None:
        card = make_card(self.main_office, state=Card.State.SET_UP)
        location = make_location("B", "02")
        self.login(self.back_office)
        body = {"notice_number": card.notice_number, "to_state": "filed", "storage_location": "b-02"}
        response = self.client.post(
            "/api/cards/transition", json.dumps(body), content_type="application/json"
        )
        self.assertEqual(response.status_code, 200, response.content)
        card.refresh_from_db()
        self.assertEqual((card.state, card.storage_location), (Card.State.FILED, location))
        again = self.client.post("/api/cards/transition", json.dumps(body), content_type="application/json")
        self.assertEqual(again.status_code, 409)
        self.assertIn("二重スキャン", again.json()["detail"])
        self.assertEqual(len(events_of(card)), 1)

    def test_transition_is_refused_to_the_city(self) -> None:
        card = make_card(self.main_office)
        self.login(self.city_staff)
        body = {"notice_number": card.notice_number, "to_state": "set_up"}
        response = self.client.post(
            "/api/cards/transition", json.dumps(body), content_type="application/json"
        )
        self.assertEqual(response.status_code, 403)
        card.refresh_from_db()
        self.assertEqual(card.state, Card.State.RECEIVED)

    def test_queue_lists_cards_with_counts_and_minutes(self) -> None:
        for _ in range(3):
            make_card(self.main_office)
        make_card(self.main_office, state=Card.State.SET_UP)
        self.login(self.city_staff)
        data = self.client.get("/api/cards/queues/setup").json()
        self.assertEqual((data["count"], data["minutes"], len(data["cards"])), (3, 60, 3))
        self.assertNotIn("applicant_name", data["cards"][0])
        self.assertEqual(self.client.get("/api/cards/queues/nope").status_code, 404)
        self.login(self.operator)
        self.assertEqual(self.client.get("/api/cards/queues/setup").status_code, 403)

"""The JSON API: same permissions as the screens, 409 満席 on a full slot, 400 with the reason otherwise."""

from __future__ import annotations

import datetime
import json

from madoguchi.accounts.testing import BaseTestCase

from ..models import Reservation
from .helpers import open_day, ready_card, set_capacity, slot_on

BIRTH = datetime.date(1980, 5, 17)


class ApiTests(BaseTestCase):
    def setUp(self):
        set_capacity(self.main_office, 1)
        self.day = open_day(self.main_office)
        self.slot = slot_on(self.main_office, self.day)
        self.card = ready_card(self.main_office, birth_date=BIRTH)

    def post(self, url, data):
        return self.client.post(url, json.dumps(data), content_type="application/json")

    def book(self, card=None, slot=None):
        card = card or self.card
        return self.post(
            "/api/reservations",
            {
                "slot": (slot or self.slot).pk,
                "cards": [{"notice_number": card.notice_number, "birth_date": "1980-05-17"}],
            },
        )

    def test_slots_list_free_places_for_staff_only(self):
        self.login(self.city_staff)
        response = self.client.get(
            "/api/reservations/slots", {"office": "honcho", "date": self.day.isoformat()}
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json()[0]["id"], self.slot.pk)
        self.client.logout()
        self.assertEqual(self.client.get("/api/reservations/slots", {"office": "honcho"}).status_code, 401)

    def test_book_then_full_answers_409_with_manseki(self):
        self.login(self.operator)
        response = self.book()
        self.assertEqual(response.status_code, 201, response.content)
        code = response.json()["code"]
        self.assertEqual(Reservation.objects.get(code=code).channel, "api")
        other = ready_card(self.main_office, birth_date=BIRTH)
        response = self.book(card=other)
        self.assertEqual(response.status_code, 409)
        self.assertIn("満席", response.json()["detail"])

    def test_city_staff_cannot_book(self):
        self.login(self.city_staff)
        self.assertEqual(self.book().status_code, 403)
        self.assertFalse(Reservation.objects.exists())

    def test_a_wrong_birth_date_is_400_and_books_nothing(self):
        self.login(self.operator)
        response = self.post(
            "/api/reservations",
            {
                "slot": self.slot.pk,
                "cards": [{"notice_number": self.card.notice_number, "birth_date": "1980-05-18"}],
            },
        )
        self.assertEqual(response.status_code, 400)
        self.assertIn("一致するカードがありません", response.json()["detail"])

    def test_change_cancel_and_an_unknown_code(self):
        self.login(self.operator)
        code = self.book().json()["code"]
        other = slot_on(self.main_office, self.day, 1)
        response = self.post(f"/api/reservations/{code}/change", {"slot": other.pk})
        self.assertEqual(response.json()["start"], other.start.strftime("%H:%M"))
        response = self.post(f"/api/reservations/{code}/cancel", {"note": ""})
        self.assertEqual(response.json()["status"], "cancelled")
        self.assertEqual(self.post("/api/reservations/ZZZ999/cancel", {}).status_code, 404)

    def test_check_in_needs_the_counter_permission(self):
        self.login(self.operator)
        code = self.book().json()["code"]
        self.assertEqual(self.client.post(f"/api/reservations/{code}/check-in").status_code, 403)
        self.login(self.back_office)
        response = self.client.post(f"/api/reservations/{code}/check-in")
        # Booked for a later day: the counter refuses with the reason.
        self.assertEqual(response.status_code, 400)
        self.assertIn("本日ではありません", response.json()["detail"])

    def test_the_openapi_schema_lists_the_operations(self):
        self.login(self.operator)
        paths = self.client.get("/api/openapi.json").json()["paths"]
        for path in ("/api/reservations", "/api/reservations/slots", "/api/reservations/{code}/change"):
            self.assertIn(path, paths)


class AppointmentApiTests(BaseTestCase):
    def setUp(self):
        set_capacity(self.main_office, 1)
        self.day = open_day(self.main_office)
        self.slot = slot_on(self.main_office, self.day)

    def test_types_list_what_to_bring(self):
        self.login(self.operator)
        types = {t["code"]: t for t in self.client.get("/api/reservations/types").json()}
        self.assertIn("マイナンバーカード", types["certificate"]["bring"])

    def test_a_renewal_is_booked_by_expiry_notice_and_a_full_window_is_409(self):
        self.login(self.operator)
        body = {
            "type": "certificate",
            "slot": self.slot.pk,
            "birth_date": "1960-04-01",
            "expiry_notice_number": "X1",
        }
        response = self.client.post(
            "/api/reservations/appointments", json.dumps(body), content_type="application/json"
        )
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(response.json()["type"], "certificate")
        body["expiry_notice_number"] = "X2"
        response = self.client.post(
            "/api/reservations/appointments", json.dumps(body), content_type="application/json"
        )
        self.assertEqual(response.status_code, 409)

    def test_an_unknown_type_is_400(self):
        self.login(self.operator)
        body = {"type": "nope", "slot": self.slot.pk, "birth_date": "1960-04-01"}
        response = self.client.post(
            "/api/reservations/appointments", json.dumps(body), content_type="application/json"
        )
        self.assertEqual(response.status_code, 400)
        self.assertIn("nope", response.json()["detail"])

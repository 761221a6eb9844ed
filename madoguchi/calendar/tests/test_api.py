from madoguchi.accounts.testing import BaseTestCase


class CalendarApiTests(BaseTestCase):
    def get(self, **params):
        return self.client.get("/api/calendar", params)

    def test_it_returns_each_days_hours_or_closed_with_the_reason(self):
        response = self.get(office="honcho", **{"from": "2026-09-21", "to": "2026-09-24"})
        self.assertEqual(response.status_code, 200)
        days = {d["date"]: d for d in response.json()}
        self.assertEqual(len(days), 4)
        self.assertFalse(days["2026-09-22"]["open"])
        self.assertEqual(days["2026-09-22"]["reason"], "国民の休日")
        self.assertEqual(
            days["2026-09-24"],
            {
                "date": "2026-09-24",
                "office": "honcho",
                "open": True,
                "opens": "08:30",
                "closes": "19:00",
                "kind": "evening",
                "reason": "木曜夜間延長",
            },
        )

    def test_it_answers_unknown_offices_and_bad_ranges_in_japanese(self):
        response = self.get(office="nowhere", **{"from": "2026-04-01", "to": "2026-04-02"})
        self.assertEqual(response.status_code, 404)
        self.assertIn("見つかりません", response.json()["detail"])
        response = self.get(office="honcho", **{"from": "2026-04-02", "to": "2026-04-01"})
        self.assertEqual(response.status_code, 400)
        response = self.get(office="honcho", **{"from": "2026-04-01", "to": "2028-04-01"})
        self.assertEqual(response.status_code, 400)

    def test_malformed_parameters_are_answered_in_japanese_naming_the_field(self):
        response = self.get(office="honcho", **{"from": "2026-13-01", "to": "2026-04-02"})
        self.assertEqual(response.status_code, 422)
        body = response.json()
        self.assertIn("from: 日付の形式が正しくありません", body["detail"])
        self.assertEqual(body["errors"][0]["field"], "from")
        response = self.client.get("/api/calendar", {"from": "2026-04-01", "to": "2026-04-02"})
        self.assertIn("office: 必須です。", response.json()["detail"])

    def test_the_openapi_document_is_published_to_staff_only(self):
        self.assertEqual(self.client.get("/api/openapi.json").status_code, 302)
        self.assertEqual(self.client.get("/api/docs").status_code, 302)
        self.login(self.operator)
        self.assertEqual(self.client.get("/api/docs").status_code, 200)
        response = self.client.get("/api/openapi.json")
        self.assertEqual(response.status_code, 200)
        self.assertIn("/api/calendar", response.json()["paths"])

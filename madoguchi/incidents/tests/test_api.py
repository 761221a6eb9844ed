from madoguchi.accounts.testing import BaseTestCase

from .factories import at, make_incident


class IncidentApiTests(BaseTestCase):
    def test_open_incidents_and_the_summary_for_readers_only(self):
        make_incident(by=self.floor, summary="開いている件", occurred_at=at("2026-06-03 10:00"))
        make_incident(by=self.floor, summary="閉じた件", status="closed", closed_at=at("2026-06-04 10:00"))
        self.login(self.admin)
        self.assertEqual(self.client.get("/api/incidents/open").status_code, 403)
        self.login(self.city_staff)
        response = self.client.get("/api/incidents/open")
        self.assertEqual([i["summary"] for i in response.json()], ["開いている件"])
        self.assertNotIn("description", response.json()[0])
        response = self.client.get("/api/incidents/summary", {"year": 2026, "month": 6})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json()["total"], 1)
        self.assertEqual(response.json()["by_severity"], {"1": 1, "2": 0, "3": 0})

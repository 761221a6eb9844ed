import json

from madoguchi.accounts.testing import BaseTestCase
from madoguchi.floor import services
from madoguchi.floor.models import GuidanceTap


class FloorApiTests(BaseTestCase):
    def test_counts_need_the_view_permission(self):
        services.guidance_tap(by=self.floor, office=self.main_office, purpose="pickup")
        self.login(self.operator)
        self.assertEqual(self.client.get("/api/floor/counts", {"office": "honcho"}).status_code, 403)
        self.login(self.city_staff)
        response = self.client.get("/api/floor/counts", {"office": "honcho"})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json()["by_purpose"]["pickup"], 1)
        self.assertEqual(sum(h["counts"]["pickup"] for h in response.json()["hours"]), 1)

    def test_a_tap_is_recorded_by_floor_staff_and_refused_for_the_city(self):
        body = json.dumps({"office": "honcho", "purpose": "e_certificate"})
        self.login(self.city_staff)
        response = self.client.post("/api/floor/taps", body, content_type="application/json")
        self.assertEqual(response.status_code, 403)
        self.login(self.floor)
        response = self.client.post("/api/floor/taps", body, content_type="application/json")
        self.assertEqual(response.status_code, 201)
        self.assertEqual(response.json()["total"], 1)
        bad = json.dumps({"office": "honcho", "purpose": "chat"})
        response = self.client.post("/api/floor/taps", bad, content_type="application/json")
        self.assertEqual(response.status_code, 400)
        self.assertIn("登録されていません", response.json()["detail"])
        self.assertEqual(GuidanceTap.objects.count(), 1)

    def test_an_unknown_office_is_a_404(self):
        self.login(self.floor)
        response = self.client.get("/api/floor/counts", {"office": "nowhere"})
        self.assertEqual(response.status_code, 404)

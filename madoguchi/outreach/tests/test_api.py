from madoguchi.accounts.testing import BaseTestCase
from madoguchi.outreach import services

from .factories import make_event


class OutreachApiTests(BaseTestCase):
    def test_the_month_summary_is_for_readers_of_outreach_only(self):
        event = make_event(by=self.site_manager, windows=2)
        services.window_count_adjust(by=self.floor, event=event, window=2, delta=1)
        self.login(self.admin)
        self.assertEqual(
            self.client.get("/api/outreach/summary", {"year": 2026, "month": 6}).status_code, 403
        )
        self.login(self.city_staff)
        response = self.client.get("/api/outreach/summary", {"year": 2026, "month": 6})
        self.assertEqual(response.status_code, 200)
        data = response.json()
        self.assertEqual((data["events"], data["applications"]), (1, 1))
        self.assertEqual(data["items"][0]["by_window"], {"1": 0, "2": 1})
        self.assertEqual(
            self.client.get("/api/outreach/summary", {"year": 2026, "month": 13}).status_code, 400
        )

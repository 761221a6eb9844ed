from madoguchi.accounts.testing import BaseTestCase


class DashboardTests(BaseTestCase):
    def test_it_shows_todays_opening_hours_to_an_operator(self):
        self.login(self.operator)
        response = self.client.get("/")
        self.assertContains(response, "本日の開庁時間")
        self.assertContains(response, "本庁")

"""GET /api/reports/monthly/{ym}: figures for readers of the report, 403 for everyone else."""

from __future__ import annotations

from madoguchi.accounts.testing import BaseTestCase

from .factories import load_calls


class MonthlyApiTest(BaseTestCase):
    def test_it_returns_the_call_table_and_figures(self) -> None:
        load_calls({"2026-04": [5, 4, 3, 12]})
        self.login(self.city_staff)
        response = self.client.get("/api/reports/monthly/2026-04")
        self.assertEqual(response.status_code, 200)
        body = response.json()
        self.assertEqual(body["call_table"]["rows"], [["4月", 5, 4, 3, 12]])
        self.assertEqual(body["figures"]["call_table.2026-04.total"], 12)

    def test_it_refuses_other_roles_and_bad_months(self) -> None:
        for persona in (self.operator, self.back_office, self.floor, self.admin):
            self.login(persona)
            self.assertEqual(self.client.get("/api/reports/monthly/2026-04").status_code, 403)
        self.login(self.director)
        response = self.client.get("/api/reports/monthly/2099-04")
        self.assertEqual(response.status_code, 400)
        self.assertIn("まだ始まっていない", response.json()["detail"])

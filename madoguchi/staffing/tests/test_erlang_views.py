from __future__ import annotations

import pytest
from django.urls import reverse

from madoguchi.accounts.testing import BaseTestCase
from madoguchi.staffing.erlang import erlang_b

CALCULATOR_USERS = {"site_manager", "director", "city_staff"}


class ErlangViewsTest(BaseTestCase):
    def test_role_matrix_of_the_calculator_and_the_api(self) -> None:
        self.assert_role_matrix(reverse("staffing:erlang"), CALCULATOR_USERS)
        self.assert_role_matrix(
            "/api/staffing/erlang?calls_per_hour=30&aht_seconds=240&agents=3", CALCULATOR_USERS
        )

    def test_the_calculator_shows_the_required_n_and_the_table(self) -> None:
        self.login(self.site_manager)
        response = self.client.get(
            reverse("staffing:erlang"),
            {"model": "b", "calls_per_hour": "30", "aht_seconds": "240", "target": "5", "max_agents": "6"},
        )
        self.assertContains(response, "目標を満たす最少人数は5人です")
        self.assertContains(response, "2.000")  # the load in erlangs

    def test_the_calculator_says_when_six_lines_are_not_enough(self) -> None:
        self.login(self.site_manager)
        response = self.client.get(
            reverse("staffing:erlang"),
            {"model": "b", "calls_per_hour": "100", "aht_seconds": "300", "target": "1", "max_agents": "6"},
            HTTP_HX_REQUEST="true",
        )
        self.assertContains(response, "6回線すべてに配置しても")
        self.assertNotContains(response, "<html")  # htmx gets the fragment

    def test_the_api_returns_the_probabilities_and_the_required_n(self) -> None:
        self.login(self.director)
        data = self.client.get(
            "/api/staffing/erlang",
            {"model": "b", "calls_per_hour": 60, "aht_seconds": 60, "agents": 6, "target": 0.01},
        ).json()
        assert data["load_erlangs"] == pytest.approx(1.0)
        assert data["probability_at_agents"] == pytest.approx(1 / 1957)
        assert data["required_agents"] == 5  # B(4,1)=1/65 > 1% ≥ B(5,1)=1/326
        assert data["table"][4]["probability"] == pytest.approx(erlang_b(4, 1.0))
        c = self.client.get(
            "/api/staffing/erlang", {"model": "c", "calls_per_hour": 30, "aht_seconds": 120, "agents": 2}
        ).json()
        assert c["probability_at_agents"] == pytest.approx(1 / 3)

    def test_the_api_refuses_bad_input_in_japanese(self) -> None:
        self.login(self.director)
        response = self.client.get(
            "/api/staffing/erlang", {"calls_per_hour": -1, "aht_seconds": 60, "agents": 1}
        )
        self.assertEqual(response.status_code, 422)  # out of the documented bounds (staffing/api.py)
        self.assertIn("calls_per_hour: 小さすぎます", response.json()["detail"])
        response = self.client.get(
            "/api/staffing/erlang", {"model": "z", "calls_per_hour": 1, "aht_seconds": 60, "agents": 1}
        )
        self.assertEqual(response.status_code, 400)

"""The city's decision on an operations plan: one clear message per problem."""

from __future__ import annotations

from madoguchi.accounts.testing import BaseTestCase
from madoguchi.reports.forms import PlanDecisionForm


class PlanDecisionFormTest(BaseTestCase):
    def test_a_return_reason_with_an_individual_number_is_not_also_called_missing(self) -> None:
        form = PlanDecisionForm({"decision": "return", "comment": "連絡先 1234-5678-9018 を確認"})
        self.assertFalse(form.is_valid())
        self.assertEqual(len(form.errors["comment"]), 1)
        self.assertIn("個人番号", form.errors["comment"][0])

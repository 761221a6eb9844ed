"""The demo's April: its team is sized for the forecast, so a site manager planning the month sees a full roster."""

from __future__ import annotations

import datetime

from django.test import TestCase

from madoguchi.accounts.testing import make_offices
from madoguchi.calendar.models import Office
from madoguchi.staffing import demo, services, solver
from madoguchi.staffing.tests.test_solver import assert_hard_rules


class DemoMonthTest(TestCase):
    def test_the_demos_april_is_planned_for_every_office_with_no_one_short_and_every_rule_kept(self) -> None:
        offices = make_offices()
        Office.objects.create(code="kitano", name="北野総合支所", kind=Office.Kind.BRANCH, sort_order=2)
        demo.load()
        roster = services.roster_get(year=2026, month=4)
        data = services.roster_problem(roster=roster, time_limit_seconds=1, today=datetime.date(2026, 3, 20))
        p = data.problem
        assert {d.office for d in p.days} == {"honcho", "tanushimaru", "kitano"}
        assert sum(sum(row) for row in p.required.values()) > 0
        sol = solver.solve(p)
        assert sol.status in ("OPTIMAL", "FEASIBLE")
        assert sol.short_slots == 0, [solver.describe_shortfall(s, s.office) for s in sol.shortfalls]
        assert sol.shortfalls == []
        assert_hard_rules(p, sol)
        # every office and every job of the forecast is staffed from the demo team
        worked = {(a.office, a.skill) for a in sol.assignments}
        needed = {(office, skill) for (_d, office, skill), row in p.required.items() if any(row)}
        assert needed <= worked
        assert offices["honcho"].code in {a.office for a in sol.assignments}

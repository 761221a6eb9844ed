"""Plan April 2026 for the demo's 30-person team end to end and print the figures for docs/staffing.md:
forecast time, solve time, status, optimality gap, paid hours, shortfall, and the month's simulation.

Run: uv run python bench/staffing_month.py   (SQLite in a temp dir; DATABASE_URL for PostgreSQL)
"""

from __future__ import annotations

import time

import _django

_django.setup()

from madoguchi.calendar import demo as calendar_demo  # noqa: E402
from madoguchi.staffing import demo as staffing_demo  # noqa: E402
from madoguchi.staffing.models import MonthPlan, PlanShift, StaffMember  # noqa: E402
from madoguchi.staffing.services import (  # noqa: E402
    month_plan_forecast,
    month_plan_simulate,
    month_plan_solve,
)


def main() -> None:
    calendar_demo.load()
    staffing_demo.load()
    plan = MonthPlan.objects.get(year=2026, month=4)
    print(
        f"team: {StaffMember.objects.active().count()} staff members ({StaffMember.objects.filter(part_time=True).count()} part-time)"
    )
    t0 = time.perf_counter()
    month_plan_forecast(plan=plan)
    print(
        f"forecast: {plan.intervals.count()} intervals in {time.perf_counter() - t0:.2f}s; figures {plan.figures['calls']}"
    )
    for limit in (45.0, 20.0, 10.0):
        t0 = time.perf_counter()
        plan = month_plan_solve(plan=plan, time_limit_seconds=limit)
        wall = time.perf_counter() - t0
        print(
            f"solve (limit {limit:.0f}s): {wall:.1f}s wall incl. DB, solver {plan.wall_seconds}s, status {plan.solver_status}, "
            f"gap {plan.gap:.4f}, shifts {PlanShift.objects.filter(plan=plan).count()}, paid {plan.paid_minutes / 60:.1f} h, "
            f"short {plan.short_slots} person-quarters"
        )
    for seed in (1, 2, 3):
        t0 = time.perf_counter()
        sim = month_plan_simulate(plan=plan, seed=seed)
        print(f"simulation seed {seed}: {sim} in {time.perf_counter() - t0:.2f}s")
    # An uncoverable month: twice the card work. The schedule comes back with its shortfall explained.
    month_plan_forecast(plan=plan, overrides={"cards_preparation": 6500, "cards_post_issuance": 6500})
    t0 = time.perf_counter()
    plan = month_plan_solve(plan=plan, time_limit_seconds=45.0)
    print(
        f"twice the cards: {time.perf_counter() - t0:.1f}s, status {plan.solver_status} / {plan.get_status_display()}, "
        f"gap {plan.gap:.4f}, short {plan.short_slots} person-quarters; first notes: {plan.messages[:3]}"
    )


if __name__ == "__main__":
    main()

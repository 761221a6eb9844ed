"""Compare madoguchi.staffing with pyworkforce (benchmark-only dependency: `uv sync --group bench`).

1. Erlang C required positions on a grid of loads and targets (service level within 20 s): where do the two
   disagree, and which N really is the smallest meeting the target?
2. Shift selection on identical inputs (one week, 15-minute periods, part-time shifts of at most 6 hours so
   that no break is due and both models mean the same thing): cost (paid hours) and solve time.
3. The same week with only the full 8:30–17:15 shift: pyworkforce has no breaks, so its cost leaves out the
   legally required hour; madoguchi staggers the breaks and pays for the cover.

Run: uv run --group bench python bench/staffing_compare.py
"""

from __future__ import annotations

import datetime
import time

import _django

_django.setup()

from madoguchi.staffing import erlang, solver  # noqa: E402
from madoguchi.staffing.forecast import DEFAULT_PROFILE  # noqa: E402

try:
    from pyworkforce.queuing import ErlangC
    from pyworkforce.scheduling import MinRequiredResources
except ImportError:  # pragma: no cover
    ErlangC = MinRequiredResources = None
    print("pyworkforce is not installed: run `uv sync --group bench`. Comparing against own tables only.")

T = datetime.time
ORIGIN = T(8, 30)


def erlang_grid() -> None:
    print("== 1. Erlang C: required positions, service level 20 s ==")
    disagreements = []
    cases = 0
    t_ours = t_theirs = 0.0
    for calls in (1, 2, 4, 6, 10, 15, 20, 30, 45, 60, 90, 120):
        for aht in (120, 240, 300, 420):
            for sl in (0.5, 0.7, 0.8, 0.9, 0.95):
                cases += 1
                load = erlang.offered_load(calls, aht)
                t0 = time.perf_counter()
                # Ours: smallest N with P(wait > 20 s) <= 1 - SL.
                ours = erlang.required_agents("c", load, 1 - sl, aht_seconds=aht, answer_seconds=20).agents
                t_ours += time.perf_counter() - t0
                if ErlangC is None:
                    continue
                t0 = time.perf_counter()
                theirs = ErlangC(
                    transactions=calls, aht=aht / 60, asa=20 / 60, interval=60, shrinkage=0.0
                ).required_positions(service_level=sl)["raw_positions"]
                t_theirs += time.perf_counter() - t0
                if ours != theirs:
                    assert ours is not None
                    ok_below = ours == 0 or erlang.wait_longer_than_c(ours - 1, load, aht, 20) > 1 - sl
                    disagreements.append((calls, aht, sl, round(load, 3), ours, theirs, ok_below))
    print(f"cases: {cases}; disagreements: {len(disagreements)}")
    for calls, aht, sl, load, ours, theirs, ok_below in disagreements[:15]:
        check = "ours is the smallest (N-1 misses the target)" if ok_below else "CHECK"
        print(
            f"  calls/h={calls:>3} aht={aht}s SL={sl:.2f} load={load:<6} madoguchi={ours} pyworkforce={theirs}  {check}"
        )
    print(
        f"time per case: madoguchi {t_ours / cases * 1e6:.0f} µs, pyworkforce {t_theirs / cases * 1e6:.0f} µs"
    )


def week_requirement(peak: int) -> tuple[list[datetime.date], dict, int]:
    days = [datetime.date(2026, 4, 13) + datetime.timedelta(days=k) for k in range(5)]
    n = solver.to_slot(T(17, 15), ORIGIN)
    weights = list(DEFAULT_PROFILE.values())
    required = {}
    for d in days:
        row = []
        for q in range(n):
            w = weights[min(q // 2, len(weights) - 1)]
            row.append(max(1, round(peak * w / max(weights))))
        required[d, "main", "phones"] = row
    return days, required, n


def shift_compare(templates: list[solver.Template], label: str, peak: int = 6) -> None:
    days, required, n = week_requirement(peak)
    workers = [
        # No minimum hours: both tools then minimise paid time alone (a like-for-like cost comparison).
        solver.Worker(
            i, f"w{i:03d}", frozenset({"phones"}), 40 * 60, part_time=t.part_time, min_minutes_per_week=0
        )
        for i, t in enumerate(templates * 30)
    ]
    problem = solver.Problem(
        days=[solver.Day(d, T(8, 30), T(17, 15)) for d in days],
        workers=workers,
        templates=templates,
        required=required,
        origin=ORIGIN,
        time_limit_seconds=60,
        num_workers=2,
    )
    t0 = time.perf_counter()
    ours = solver.solve(problem)
    t_ours = time.perf_counter() - t0
    print(f"== {label} ==")
    print(
        f"madoguchi : status={ours.status} paid hours={ours.paid_minutes / 60:.2f} shortfall slots={ours.short_slots} "
        f"gap={ours.gap:.4f} time={t_ours:.2f}s"
    )
    if MinRequiredResources is None:
        return
    coverage = {}
    cost = {}
    for t in templates:
        s0, s1 = solver.to_slot(t.start, ORIGIN), solver.to_slot(t.end, ORIGIN)
        coverage[t.code] = [1 if s0 <= q < s1 else 0 for q in range(n)]
        cost[t.code] = t.paid_minutes // 15  # same unit as ours: paid quarter-hours
    scheduler = MinRequiredResources(
        num_days=len(days),
        periods=n,
        shifts_coverage=coverage,
        required_resources=[required[d, "main", "phones"] for d in days],
        max_period_concurrency=200,
        max_shift_concurrency=200,
        cost_dict=cost,
        max_search_time=60.0,
        num_search_workers=2,
    )
    t0 = time.perf_counter()
    theirs = scheduler.solve()
    t_theirs = time.perf_counter() - t0
    paid = sum(r["resources"] * cost[r["shift"]] for r in theirs["resources_shifts"]) * 15 / 60
    print(
        f"pyworkforce: status={theirs['status']} paid hours={paid:.2f} time={t_theirs:.2f}s "
        "(no breaks, no persons, no contract hours)"
    )


def main() -> None:
    erlang_grid()
    part_time = [
        solver.Template("am", "午前", T(8, 30), T(13, 0), part_time=True),
        solver.Template("mid", "日中", T(10, 0), T(16, 0), part_time=True),
        solver.Template("pm", "午後", T(13, 0), T(17, 15), part_time=True),
    ]
    shift_compare(part_time, "2. one week, part-time shifts (no breaks due): identical inputs")
    full = [solver.Template("day", "日勤", T(8, 30), T(17, 15))]
    shift_compare(full, "3. one week, only the 8:30–17:15 shift (madoguchi adds the legal 60-minute break)")


if __name__ == "__main__":
    main()

"""The month's roster across offices (issue 14's performance figures), pure solver, no database:

1. 60 staff over 3 offices, April 2026, personal leave: status and optimality gap after 60 s wall-clock with
   2 CP-SAT workers in parallel;
   — the search as it was before the tuning (CP-SAT defaults, no starting roster: "baseline") and as it is
   ("tuned": a greedy starting roster as a complete hint, the max_lp bound, a gap limit), in the same run;
2. the time the tuned search needs to prove a gap <= 1 %;
3. one absence on a day already planned, re-solved with minimal change: person-days changed (target <= 5 %);
4. the same input twice with the application's deterministic setting (1 worker, deterministic time): identical?
5. solve time against staff count 30 / 60 / 120 (requirements scaled with the team);
6. cost against a simple greedy in the same run (shortfall, paid hours, hours under contract).
The machine is shared: every line gives CP-SAT's own gap and deterministic time and the load average.

Run: uv run python bench/staffing_roster.py [--quick]   (prints figures; asserts nothing about time)
"""

from __future__ import annotations

import datetime
import random
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from madoguchi.staffing import solver

T = datetime.time
ORIGIN = T(8, 30)
OFFICES = ("main", "b1", "b2")
TEMPLATES = [
    solver.Template("day", "日勤", T(8, 30), T(17, 15)),
    solver.Template("late", "遅番", T(10, 15), T(19, 0)),
    solver.Template("am", "午前", T(8, 30), T(13, 0), part_time=True),
    solver.Template("pm", "午後", T(13, 0), T(17, 15), part_time=True),
    solver.Template("eve", "夕方", T(15, 0), T(19, 0), part_time=True),
]


def april_days() -> list[datetime.date]:
    holidays = {datetime.date(2026, 4, 29)}
    first = datetime.date(2026, 4, 1)
    days = [first + datetime.timedelta(days=i) for i in range(30)]
    return [d for d in days if d.weekday() < 5 and d not in holidays]


def build(
    n_staff: int, *, seed: int = 7, workers: int = 2, limit: float = 60.0, deterministic: bool = False
) -> solver.Problem:
    """A month like Kurume's: the main office has phones, back office and floor (Thursday evenings to 19:00);
    two branches need floor and a little back office. Requirements scale with the team (60 ⇒ the reference)."""
    rng = random.Random(seed)
    scale = n_staff / 60
    days, required = [], {}
    for d in april_days():
        for o in OFFICES:
            closes = T(19, 0) if (o == "main" and d.weekday() == 3) else T(17, 15)
            days.append(solver.Day(d, T(8, 30), closes, office=o, regular_close=T(17, 15), setup_minutes=30))
            n = solver.to_slot(closes, ORIGIN)
            regular = solver.to_slot(T(17, 15), ORIGIN)
            if o == "main":
                monday = 1 if d.weekday() == 0 else 0
                required[d, o, "phones"] = [
                    round((5 if q < 12 else 4 if q < regular else 2) * scale) + monday for q in range(n)
                ]
                required[d, o, "back_office"] = [round(14 * scale) if q < regular else 0 for q in range(n)]
                required[d, o, "floor"] = [max(1, round(3 * scale))] * n
            else:
                required[d, o, "floor"] = [max(1, round(2 * scale))] * n
                required[d, o, "back_office"] = [max(1, round(1 * scale)) if q < n else 0 for q in range(n)]
    people = []
    month_days = april_days()
    for i in range(n_staff):
        home = OFFICES[0] if i % 3 == 0 or i % 5 == 0 else OFFICES[1 + i % 2]
        offices = {home} | ({"main"} if i % 2 else set()) | ({"b1", "b2"} if i % 7 == 0 else set())
        kind = i % 4
        skills = [
            {"phones", "back_office"},
            {"back_office", "floor"},
            {"phones", "floor", "back_office"},
            {"back_office"},
        ][kind]
        part = i % 5 == 4
        leave = frozenset(rng.sample(month_days, k=rng.choice([0, 1, 2, 3])))
        people.append(
            solver.Worker(
                i,
                f"職員{i:03d}",
                frozenset(skills),
                1500 if part else 2325,
                part_time=part,
                unavailable=leave,
                offices=frozenset(offices),
                home_office=home,
                min_minutes_per_week=480 if part else None,
            )
        )
    return solver.Problem(
        days=days,
        workers=people,
        templates=TEMPLATES,
        required=required,
        origin=ORIGIN,
        time_limit_seconds=limit,
        num_workers=workers,
        deterministic=deterministic,
    )


def greedy(p: solver.Problem) -> list[solver.Assignment]:
    """Baseline: day by day, office by office, job by job, give the day shift to whoever qualified has the most
    weekly hours left (full-timers first), until the peak need is met. Breaks at a fixed hour."""
    left: dict[tuple[int, tuple[int, int]], int] = defaultdict(int)
    busy: set[tuple[int, datetime.date]] = set()
    out = []
    for d in sorted({d.date for d in p.days}):
        week = d.isocalendar()[:2]
        for o in OFFICES:
            for s in ("phones", "back_office", "floor"):
                need = max(p.required.get((d, o, s), [0]) or [0])
                for _ in range(need):
                    cands = [
                        w
                        for w in p.workers
                        if s in w.skills
                        and o in w.offices
                        and d not in w.unavailable
                        and (w.id, d) not in busy
                    ]
                    cands = [
                        w
                        for w in cands
                        if left[w.id, week] + (270 if w.part_time else 465) <= w.contract_minutes_per_week
                    ]
                    if not cands:
                        break
                    w = min(cands, key=lambda w: (w.part_time, left[w.id, week], w.id))
                    t = TEMPLATES[2] if w.part_time else TEMPLATES[0]
                    bs = T(12, 0) if t.break_minutes else None
                    be = T(13, 0) if t.break_minutes else None
                    out.append(
                        solver.Assignment(w.id, d, t.code, s, t.start, t.end, bs, be, t.paid_minutes, o)
                    )
                    busy.add((w.id, d))
                    left[w.id, week] += t.paid_minutes
    return out


def cost(p: solver.Problem, assignments: list[solver.Assignment]) -> tuple[int, float, float]:
    """(short person-quarter-hours, paid hours, hours under the weekly minimums pro rata)."""
    cov = solver.coverage(p, assignments)
    short = sum(max(0, r - h) for k, req in p.required.items() for r, h in zip(req, cov[k], strict=False))
    per: dict[tuple[int, tuple[int, int]], int] = defaultdict(int)
    for a in assignments:
        per[a.worker_id, a.date.isocalendar()[:2]] += a.paid_minutes
    weeks: dict[tuple[int, int], list[datetime.date]] = defaultdict(list)
    for d in april_days():
        weeks[d.isocalendar()[:2]].append(d)
    under = 0
    for w in p.workers:
        for wk, ds in weeks.items():
            workable = {d for d in ds if d not in w.unavailable}
            target = solver._week_target(w, ds, workable, 0)
            under += max(0, target - per[w.id, wk])
    return short, sum(a.paid_minutes for a in assignments) / 60, under / 60


def line(label: str, sol: solver.Solution, wall: float) -> str:
    return (
        f"{label}: {sol.status}, CP-SAT gap {sol.gap * 100:.2f} % (objective {sol.objective:,.0f}, bound "
        f"{sol.bound:,.0f}), wall {wall:.1f} s, deterministic {sol.deterministic_seconds:.1f}, "
        f"{len(sol.assignments)} shifts, short {sol.short_slots} person-quarters, load {load()}"
    )


def load() -> str:
    return "/".join(open("/proc/loadavg").read().split()[:3])


def absence_problem(first: solver.Solution, **kw: object) -> tuple[solver.Problem, int]:
    """The same month with one person off sick on a day they were planned, the first roster as the previous."""
    p = build(60, **kw)  # type: ignore[arg-type]
    planned = {(a.worker_id, a.date): a.key for a in first.assignments}
    previous: dict[tuple[int, datetime.date], tuple[str, str, str] | None] = dict(planned)
    for w in p.workers:
        for d in april_days():
            previous.setdefault((w.id, d), None)
    absent = next(a for a in first.assignments if a.date == datetime.date(2026, 4, 15))
    w = p.workers[absent.worker_id]
    p.workers[absent.worker_id] = solver.Worker(
        **{**w.__dict__, "unavailable": w.unavailable | {absent.date}}
    )
    p.previous = previous
    return p, len(first.assignments)


def timed(p: solver.Problem) -> tuple[solver.Solution, float]:
    t0 = time.perf_counter()
    sol = solver.solve(p)
    return sol, time.perf_counter() - t0


def main() -> None:
    quick = "--quick" in sys.argv
    from ortools.sat.python import cp_model  # noqa: F401 — imported once, outside the timings (as in a worker)

    print(f"load average at start: {load()}")
    runs: dict[str, solver.Solution] = {}
    for label, baseline in (("baseline (CP-SAT defaults, no starting roster)", True), ("tuned", False)):
        p = build(60)
        p.baseline_search = baseline
        sol, wall = timed(p)
        runs[label] = sol
        print(line(f"60 staff / 3 offices / leave, 2 workers, 60 s wall, {label}", sol, wall))
        short_s, paid_s, under_s = cost(p, sol.assignments)
        print(f"  cost: short {short_s} person-quarters, paid {paid_s:.0f} h, under contract {under_s:.1f} h")
    p = build(60)
    short_g, paid_g, under_g = cost(p, greedy(p))
    print(f"greedy baseline: short {short_g}, paid {paid_g:.0f} h, under contract {under_g:.1f} h")
    p = build(60)
    p.gap_limit = 0.01
    sol, wall = timed(p)
    print(line("tuned, stop at CP-SAT gap <= 1 % (time to the target)", sol, wall))

    # One absence on a planned day, re-solved with minimal change against each run's roster.
    for label, first in runs.items():
        p2, person_days = absence_problem(first)
        p2.baseline_search = label.startswith("baseline")
        second, wall = timed(p2)
        print(
            line(f"re-solve after one absence, {label}", second, wall)
            + f"; changed {len(second.changes)} of {person_days} person-days "
            f"({len(second.changes) / person_days * 100:.2f} %)"
        )

    # Determinism as the application runs it (1 worker, deterministic time limit, fixed seed).
    det = [timed(build(60, workers=1, limit=15, deterministic=True)) for _ in range(2)]
    print(
        f"same input twice (1 worker, deterministic limit 15, seed 1): identical roster = "
        f"{det[0][0].assignments == det[1][0].assignments}; "
        + line("first", det[0][0], det[0][1])
        + f"; second wall {det[1][1]:.1f} s"
    )

    if quick:
        return
    for n in (30, 60, 120):
        for moves in (False, True) if n == 30 else (True,):
            p = build(n)
            p.gap_limit = 0.01
            p.greedy_moves = moves
            sol, wall = timed(p)
            label = "" if n != 30 else (", greedy with moves" if moves else ", greedy without moves")
            print(line(f"scaling: {n} staff{label}, stop at gap <= 1 % or 60 s", sol, wall))


if __name__ == "__main__":
    main()

from __future__ import annotations

import datetime

from madoguchi.staffing.solver import (
    Day,
    Problem,
    Template,
    Worker,
    break_minutes_for,
    describe_shortfall,
    slot_time,
    solve,
    to_slot,
)

T = datetime.time
D = datetime.date(2026, 4, 7)  # a Tuesday
ORIGIN = T(8, 30)
DAY_SLOTS = to_slot(T(17, 15), ORIGIN)  # 35 quarter-hours
FULL = Template("day", "日勤", T(8, 30), T(17, 15))
LATE = Template("late", "遅番", T(10, 15), T(19, 0))
PART_AM = Template("am", "短時間（午前）", T(8, 30), T(13, 0), part_time=True)


def worker(i: int, skills: set[str], *, part_time: bool = False, minutes: int = 2325) -> Worker:
    return Worker(i, f"職員{i:02d}", frozenset(skills), minutes, part_time=part_time)


def problem(workers: list[Worker], need: int, *, days: list[Day] | None = None, **kw) -> Problem:
    days = days or [Day(D, T(8, 30), T(17, 15))]
    required = {(d.date, "phones"): [need] * to_slot(d.closes, ORIGIN) for d in days}
    return Problem(
        days=days,
        workers=workers,
        templates=[FULL, LATE, PART_AM],
        required=required,
        time_limit_seconds=10,
        **kw,
    )


def on_duty(solution, slot: int) -> int:
    t = slot_time(slot, ORIGIN)
    return sum(
        1
        for a in solution.assignments
        if a.start <= t < a.end and not (a.break_start and a.break_start <= t < a.break_end)
    )


def test_labour_law_breaks() -> None:
    assert break_minutes_for(6 * 60) == 0
    assert break_minutes_for(6 * 60 + 15) == 45
    assert break_minutes_for(8 * 60) == 45
    assert break_minutes_for(8 * 60 + 45) == 60
    assert FULL.paid_minutes == 7 * 60 + 45


def test_breaks_are_staggered_so_every_interval_keeps_its_coverage() -> None:
    sol = solve(problem([worker(i, {"phones"}) for i in range(5)], 2))
    assert sol.status == "OPTIMAL"
    assert sol.shortfalls == []
    # Two must be on the phones all day, each takes 60 minutes off: a third person is needed.
    assert len(sol.assignments) == 3
    for q in range(DAY_SLOTS):
        assert on_duty(sol, q) >= 2, f"slot {slot_time(q, ORIGIN)}"
    breaks = sorted(a.break_start for a in sol.assignments)
    assert all(b is not None for b in breaks)
    for a in sol.assignments:
        assert (a.break_end.hour * 60 + a.break_end.minute) - (
            a.break_start.hour * 60 + a.break_start.minute
        ) == 60


def test_it_uses_the_fewest_paid_hours() -> None:
    # A morning-only need is met by a part-timer (4.5 h) rather than a full day (7.75 h).
    days = [Day(D, T(8, 30), T(17, 15))]
    need = [1 if slot_time(q, ORIGIN) < T(13, 0) else 0 for q in range(DAY_SLOTS)]
    p = Problem(
        days=days,
        workers=[worker(1, {"phones"}), worker(2, {"phones"}, part_time=True, minutes=1200)],
        templates=[FULL, PART_AM],
        required={(D, "phones"): need},
        time_limit_seconds=10,
    )
    sol = solve(p)
    assert [a.template for a in sol.assignments] == ["am"]
    assert sol.paid_minutes == 270


def test_an_uncoverable_day_is_explained_by_interval_skill_and_shortfall() -> None:
    sol = solve(problem([worker(i, {"phones"}) for i in range(2)], 2))
    assert sol.status in ("OPTIMAL", "FEASIBLE")
    assert sol.shortfalls, "two people cannot keep two lines staffed through their breaks"
    for s in sol.shortfalls:
        assert s.skill == "phones" and s.short == 1
        assert T(10, 30) <= s.start < s.end <= T(15, 45)  # inside the break window
    text = describe_shortfall(sol.shortfalls[0])
    assert text.startswith("4月7日 ") and "電話応対が1人不足" in text


def test_only_trained_skills_are_scheduled() -> None:
    sol = solve(problem([worker(1, {"back_office"}), worker(2, {"back_office"})], 1))
    assert sol.assignments == []
    assert any("電話応対の研修を修了した業務従事者がいません" in m for m in sol.problems)
    assert all(s.reason == "研修修了者なし" for s in sol.shortfalls)


def test_unavailable_days_and_weekly_contract_hours_are_respected() -> None:
    days = [Day(D + datetime.timedelta(days=i), T(8, 30), T(17, 15)) for i in range(4)]  # Tue–Fri
    w1 = Worker(1, "甲", frozenset({"phones"}), 2 * 465, unavailable=frozenset({D}))
    w2 = Worker(2, "乙", frozenset({"phones"}), 5 * 465)
    sol = solve(problem([w1, w2], 1, days=days))
    mine = [a for a in sol.assignments if a.worker_id == 1]
    assert D not in {a.date for a in mine}
    assert sum(a.paid_minutes for a in mine) <= 2 * 465


def test_evening_shifts_are_only_used_on_evening_days() -> None:
    thursday = datetime.date(2026, 4, 9)
    days = [Day(D, T(8, 30), T(17, 15)), Day(thursday, T(8, 30), T(19, 0))]
    sol = solve(problem([worker(i, {"phones"}) for i in range(6)], 1, days=days))
    late = [a for a in sol.assignments if a.template == "late"]
    assert late and all(a.date == thursday for a in late)
    for q in range(to_slot(T(19, 0), ORIGIN)):
        t = slot_time(q, ORIGIN)
        assert (
            sum(
                1
                for a in sol.assignments
                if a.date == thursday and a.start <= t < a.end and not (a.break_start <= t < a.break_end)
            )
            >= 1
        )


def test_evening_shifts_are_shared_out_fairly_over_the_month() -> None:
    thursdays = [datetime.date(2026, 4, 9) + datetime.timedelta(weeks=k) for k in range(4)]
    days = [Day(d, T(8, 30), T(19, 0)) for d in thursdays]
    required = {(d, "phones"): [1] * to_slot(T(19, 0), ORIGIN) for d in thursdays}
    p = Problem(
        days=days,
        workers=[worker(i, {"phones"}) for i in range(4)],
        templates=[FULL, LATE],
        required=required,
        time_limit_seconds=10,
    )
    sol = solve(p)
    assert sol.shortfalls == []
    late = [a.worker_id for a in sol.assignments if a.template == "late"]
    counts = [late.count(i) for i in range(4)]
    assert max(counts) - min(counts) <= 1, counts


def test_a_month_for_a_thirty_person_team_reports_its_gap() -> None:
    # 21 weekdays, phones 3 / back office 6 / floor 2 all day: needs most of a 30-person team.
    start = datetime.date(2026, 6, 1)
    days = [
        Day(start + datetime.timedelta(days=k), T(8, 30), T(17, 15))
        for k in range(30)
        if (start + datetime.timedelta(days=k)).weekday() < 5
    ]
    need = {"phones": 3, "back_office": 6, "floor": 2}
    required = {(d.date, s): [n] * DAY_SLOTS for d in days for s, n in need.items()}
    skills = [{"phones", "back_office"}, {"back_office"}, {"floor", "phones"}]
    workers = [worker(i, skills[i % 3]) for i in range(30)]
    sol = solve(
        Problem(
            days=days,
            workers=workers,
            templates=[FULL, LATE, PART_AM],
            required=required,
            time_limit_seconds=20,
        )
    )
    assert sol.status in ("OPTIMAL", "FEASIBLE")
    assert sol.wall_seconds < 25
    assert 0 <= sol.gap < 1
    assert sol.shortfalls == []
    per_week: dict[tuple[int, tuple[int, int]], int] = {}
    for a in sol.assignments:
        key = (a.worker_id, a.date.isocalendar()[:2])
        per_week[key] = per_week.get(key, 0) + a.paid_minutes
    assert max(per_week.values()) <= 2325  # 38.75 h contract

"""Shift scheduling with OR-Tools CP-SAT (pure Python, no ORM).

Time is cut into 15-minute slots (8:30–17:15 is not a whole number of half-hours); requirements come per
slot and skill. Each person takes at most one shift template a day and does one job (skill) on it.

Decomposition and aggregation, which make a month for 30 people solve to optimality in seconds:
- weeks: contract hours are per ISO week, so each calendar week is its own model (the time limit is
  shared out by the weeks' sizes);
- groups: people with the same trained skills, contract and days off are interchangeable, so the model
  counts heads per group and the heads are split into persons afterwards (no symmetric copies to search);
- breaks (Labour Standards Act art. 34: 45 minutes for more than 6 hours, 60 for more than 8) are counted
  per (day, template, job, start slot), so staggering is exact and cheap; the starts are dealt out after.

Objective, lexicographic by weights: shortfall (person-slots below the requirement, convex so that one
short twice beats two short at once) ≫ paid minutes. Fairness comes in the split into persons: evening and
holiday shifts go to whoever has had fewest this month, then to whoever has fewest hours. Shortfall is a
soft variable, so a month that cannot be covered still returns a schedule together with where, for which
job and by how many it is short, instead of a bare INFEASIBLE.
"""

from __future__ import annotations

import datetime
import time
from collections import defaultdict
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

SLOT_MINUTES = 15


def to_slot(t: datetime.time, origin: datetime.time) -> int:
    return ((t.hour * 60 + t.minute) - (origin.hour * 60 + origin.minute)) // SLOT_MINUTES


def slot_time(slot: int, origin: datetime.time) -> datetime.time:
    minutes = origin.hour * 60 + origin.minute + slot * SLOT_MINUTES
    return datetime.time(minutes // 60, minutes % 60)


def break_minutes_for(span_minutes: int) -> int:
    """Labour Standards Act art. 34: beyond 6 h → 45 min, beyond 8 h → 60 min."""
    if span_minutes > 8 * 60:
        return 60
    if span_minutes > 6 * 60:
        return 45
    return 0


@dataclass(frozen=True)
class Template:
    code: str
    name: str
    start: datetime.time
    end: datetime.time
    part_time: bool = False
    # A break may start no earlier than this many minutes after the start, and end this many before the end.
    break_after: int = 120
    break_before_end: int = 90

    @property
    def span_minutes(self) -> int:
        return (self.end.hour * 60 + self.end.minute) - (self.start.hour * 60 + self.start.minute)

    @property
    def break_minutes(self) -> int:
        return break_minutes_for(self.span_minutes)

    @property
    def paid_minutes(self) -> int:
        return self.span_minutes - self.break_minutes

    @property
    def unpopular(self) -> bool:
        return self.end > datetime.time(17, 15)

    @property
    def label(self) -> str:
        return f"{self.start:%-H:%M}〜{self.end:%-H:%M}"


@dataclass(frozen=True)
class Day:
    date: datetime.date
    opens: datetime.time
    closes: datetime.time
    special: bool = False  # holiday opening / outreach day (counts as unpopular)


@dataclass(frozen=True)
class Worker:
    id: int
    name: str
    skills: frozenset[str]  # only the skills the worker is TRAINED for
    contract_minutes_per_week: int
    part_time: bool = False
    unavailable: frozenset[datetime.date] = frozenset()


@dataclass
class Problem:
    days: list[Day]
    workers: list[Worker]
    templates: list[Template]
    # required[(date, skill)] = list of people needed per slot from `origin`
    required: dict[tuple[datetime.date, str], list[int]]
    origin: datetime.time = datetime.time(8, 30)
    time_limit_seconds: float = 50.0
    num_workers: int = 2
    seed: int = 1
    # Minutes already worked in a (worker, ISO week) outside this problem (a week that straddles two months).
    hours_already: dict[tuple[int, tuple[int, int]], int] = field(default_factory=dict)


@dataclass
class Assignment:
    worker_id: int
    date: datetime.date
    template: str
    skill: str
    start: datetime.time
    end: datetime.time
    break_start: datetime.time | None
    break_end: datetime.time | None
    paid_minutes: int


@dataclass
class Shortfall:
    date: datetime.date
    skill: str
    start: datetime.time
    end: datetime.time
    short: int  # people missing (the largest over the slots of the run)
    reason: str = ""


@dataclass
class Solution:
    status: str  # OPTIMAL, FEASIBLE, or NO_SOLUTION
    assignments: list[Assignment] = field(default_factory=list)
    shortfalls: list[Shortfall] = field(default_factory=list)
    scheduled: dict[tuple[datetime.date, str], list[int]] = field(default_factory=dict)
    paid_minutes: int = 0
    short_slots: int = 0
    objective: float = 0.0
    bound: float = 0.0
    wall_seconds: float = 0.0
    problems: list[str] = field(default_factory=list)  # explanations found before solving

    @property
    def gap(self) -> float:
        if self.objective == 0:
            return 0.0
        return abs(self.objective - self.bound) / max(1.0, abs(self.objective))

    @property
    def covered(self) -> bool:
        return self.status in ("OPTIMAL", "FEASIBLE") and not self.shortfalls


SKILL_LABELS = {
    "phones": "電話応対",
    "back_office": "交付事務",
    "floor": "フロア案内",
    "outreach": "出張申請",
}

W_SHORT = 100_000
W_DEEP = 50_000
W_PAID = 10  # per paid 15 minutes


def validate_templates(days: list[Day], templates: list[Template]) -> list[str]:
    """Templates outside every opening of the month: they could never be used; say so."""
    messages = []
    if not days:
        return messages
    for t in templates:
        if t.end <= t.start:
            messages.append(f"シフト「{t.name}」の終了時刻が開始時刻より前です。")
            continue
        if not any(d.opens <= t.start and t.end <= d.closes for d in days):
            earliest = min(d.opens for d in days)
            latest = max(d.closes for d in days)
            messages.append(
                f"シフト「{t.name}」（{t.label}）は、この月のどの日の開庁時間"
                f"（{earliest:%-H:%M}〜{latest:%-H:%M}）にも収まりません。"
            )
    return messages


def _runs(values: list[int], origin: datetime.time) -> list[tuple[datetime.time, datetime.time, int]]:
    """Consecutive slots with a positive value → (start, end, max value)."""
    runs = []
    i = 0
    while i < len(values):
        if values[i] > 0:
            j = i
            peak = 0
            while j < len(values) and values[j] > 0:
                peak = max(peak, values[j])
                j += 1
            runs.append((slot_time(i, origin), slot_time(j, origin), peak))
            i = j
        else:
            i += 1
    return runs


@dataclass
class _Part:
    status: int
    assignments: list[Assignment]
    short: int
    objective: float
    bound: float


def _groups(problem: Problem, days: list[Day], prior_quarters: dict[int, int]) -> dict[tuple, list[Worker]]:
    """Interchangeable people: same trained skills, contract, part-time flag, days off and hours already
    worked in the straddling week. The model counts heads per group, not persons (no symmetric copies)."""
    dates = {d.date for d in days}
    week = days[0].date.isocalendar()[:2]
    groups: dict[tuple, list[Worker]] = defaultdict(list)
    for w in problem.workers:
        key = (
            w.skills,
            w.part_time,
            w.contract_minutes_per_week - problem.hours_already.get((w.id, week), 0),
            frozenset(w.unavailable & dates),
        )
        groups[key].append(w)
    return groups


def _solve_days(
    problem: Problem,
    days: list[Day],
    time_limit: float,
    prior_unpopular: dict[int, int],
    prior_quarters: dict[int, int],
) -> _Part:
    """One CP-SAT model for one calendar week (contract hours are weekly, so weeks are independent).

    Heads are counted per group of interchangeable people (y[g,d,t,s] = how many of group g work template t
    on job s on day d). Each person may take at most k shifts a week, k = remaining contract minutes // the
    longest template open to them, so any split of a group's count keeps everyone within contract; the
    split is made afterwards, largest remaining capacity first (always possible when the day's count is
    within the group and the week's total within k × size), breaking ties for fairness.
    """
    origin = problem.origin
    model = cp_model.CpModel()
    day_by_date = {d.date: d for d in days}
    required = {k: v for k, v in problem.required.items() if k[0] in day_by_date}
    fits: dict[datetime.date, list[Template]] = {
        d.date: [t for t in problem.templates if d.opens <= t.start and t.end <= d.closes] for d in days
    }
    tpl = {t.code: t for t in problem.templates}
    groups = _groups(problem, days, prior_quarters)

    y: dict[tuple[int, datetime.date, str, str], cp_model.IntVar] = {}
    caps: dict[int, int] = {}
    for g, (key, members) in enumerate(groups.items()):
        skills, part_time, remaining, off = key
        own = [t for t in problem.templates if t.part_time == part_time]
        longest = max((t.paid_minutes for t in own), default=0)
        caps[g] = remaining // longest if longest else 0
        if caps[g] <= 0:
            continue
        for d in days:
            if d.date in off:
                continue
            day_vars = []
            for t in fits[d.date]:
                if t.part_time != part_time:
                    continue
                for s in sorted(skills):
                    if any(required.get((d.date, s), [])):
                        v = model.new_int_var(0, len(members), f"y{g}_{d.date:%m%d}_{t.code}_{s}")
                        y[g, d.date, t.code, s] = v
                        day_vars.append(v)
            if day_vars:
                model.add(sum(day_vars) <= len(members))  # one shift a day each
    by_group: dict[int, list] = defaultdict(list)
    by_day_tpl_skill: dict[tuple[datetime.date, str, str], list] = defaultdict(list)
    for (g, date, tcode, s), var in y.items():
        by_group[g].append(var)
        by_day_tpl_skill[date, tcode, s].append(var)
    for g, vars_ in by_group.items():
        size = len(list(groups.values())[g])
        model.add(sum(vars_) <= caps[g] * size)  # contract hours, per person (see docstring)

    # Breaks, aggregated: n[d,t,s,b] people on (t, s) start their break at slot b.
    breaks: dict[tuple[datetime.date, str, str], list[tuple[int, cp_model.IntVar]]] = {}
    for (date, tcode, s), vars_ in by_day_tpl_skill.items():
        t = tpl[tcode]
        if t.break_minutes == 0:
            continue
        t0, t1 = to_slot(t.start, origin), to_slot(t.end, origin)
        length = _break_slots(t)
        first = t0 + t.break_after // SLOT_MINUTES
        last = t1 - t.break_before_end // SLOT_MINUTES - length
        if last < first:
            first, last = t0 + 1, t1 - length - 1
        upper = len(problem.workers)
        options = [
            (b, model.new_int_var(0, upper, f"n{date:%m%d}_{tcode}_{s}_{b}")) for b in range(first, last + 1)
        ]
        model.add(sum(v for _, v in options) == sum(vars_))
        breaks[date, tcode, s] = options

    # Coverage with soft, convex shortfall.
    short_vars = []
    deep_vars = []
    for (date, s), req in required.items():
        for q, need in enumerate(req):
            if need <= 0:
                continue
            on = []
            off = []
            for t in fits[date]:
                t0, t1 = to_slot(t.start, origin), to_slot(t.end, origin)
                if not t0 <= q < t1:
                    continue
                on += by_day_tpl_skill.get((date, t.code, s), [])
                length = _break_slots(t)
                for b, var in breaks.get((date, t.code, s), []):
                    if b <= q < b + length:
                        off.append(var)
            sv = model.new_int_var(0, need, f"short{date:%m%d}_{s}_{q}")
            short_vars.append(sv)
            if need > 1:
                # Two people short at once is worse than one short twice (losses grow faster than linearly).
                ex = model.new_int_var(0, need, f"deep{date:%m%d}_{s}_{q}")
                model.add(ex >= sv - 1)
                deep_vars.append(ex)
            model.add(sum(on) - sum(off) + sv >= need)

    paid = sum((tpl[tcode].paid_minutes // SLOT_MINUTES) * v for (_g, _d, tcode, _s), v in y.items())
    model.minimize(W_SHORT * sum(short_vars) + W_DEEP * sum(deep_vars) + W_PAID * paid)

    solver = cp_model.CpSolver()
    solver.parameters.num_workers = problem.num_workers
    solver.parameters.max_time_in_seconds = max(0.5, time_limit)
    solver.parameters.random_seed = problem.seed
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return _Part(status, [], 0, 0.0, 0.0)

    # Split each group's counts into persons, day by day: largest remaining capacity first; among equals,
    # evening/holiday shifts to whoever has had fewest, then fewest hours so far, then by name.
    group_list = list(groups.values())
    assignments: list[Assignment] = []
    left: dict[int, int] = {}
    for g, members in enumerate(group_list):
        for w in members:
            left[w.id] = caps.get(g, 0)
    unpop = defaultdict(int, prior_unpopular)
    quarters = defaultdict(int, prior_quarters)
    per_day_tpl_skill: dict[tuple[datetime.date, str, str], list[int]] = defaultdict(list)
    for d in days:
        for g, members in enumerate(group_list):
            picks = [
                (tcode, s, solver.value(v))
                for (gg, date, tcode, s), v in y.items()
                if gg == g and date == d.date and solver.value(v) > 0
            ]
            # Unpopular shifts first, so they go to those who had fewest.
            picks.sort(key=lambda p: (not (tpl[p[0]].unpopular or d.special), p[0], p[1]))
            free = [w for w in members if left[w.id] > 0]
            for tcode, s, count in picks:
                unpopular = tpl[tcode].unpopular or d.special
                free.sort(
                    key=lambda w: (-left[w.id], unpop[w.id] if unpopular else 0, quarters[w.id], w.name)
                )
                chosen, free = free[:count], free[count:]
                for w in chosen:
                    left[w.id] -= 1
                    quarters[w.id] += tpl[tcode].paid_minutes // SLOT_MINUTES
                    unpop[w.id] += int(unpopular)
                    per_day_tpl_skill[d.date, tcode, s].append(w.id)
    names = {w.id: w.name for w in problem.workers}
    for (date, tcode, s), wids in sorted(per_day_tpl_skill.items()):
        t = tpl[tcode]
        starts: list[int | None] = []
        for b, var in breaks.get((date, tcode, s), []):
            starts += [b] * solver.value(var)
        starts += [None] * (len(wids) - len(starts))
        for wid, b in zip(sorted(wids, key=lambda i: names[i]), starts, strict=False):
            bs = slot_time(b, origin) if b is not None else None
            be = None
            if bs is not None:
                m = bs.hour * 60 + bs.minute + t.break_minutes
                be = datetime.time(m // 60, m % 60)
            assignments.append(Assignment(wid, date, tcode, s, t.start, t.end, bs, be, t.paid_minutes))
    return _Part(
        status,
        assignments,
        int(sum(solver.value(v) for v in short_vars)),
        solver.objective_value,
        solver.best_objective_bound,
    )


def _break_slots(t: Template) -> int:
    return t.break_minutes // SLOT_MINUTES + (t.break_minutes % SLOT_MINUTES > 0)


def solve(problem: Problem) -> Solution:
    """Solve the month week by week (contract hours are per ISO week, so the weeks only share fairness,
    which is carried forward); the time limit is shared out by the weeks' sizes."""
    started = time.monotonic()
    origin = problem.origin
    problems = validate_templates(problem.days, problem.templates)
    skills = sorted({s for (_, s) in problem.required})
    for skill in skills:
        needed = any(sum(v) > 0 for (d, s), v in problem.required.items() if s == skill)
        if needed and not any(skill in w.skills for w in problem.workers):
            problems.append(f"{SKILL_LABELS.get(skill, skill)}の研修を修了した業務従事者がいません。")

    weeks: dict[tuple[int, int], list[Day]] = defaultdict(list)
    for d in sorted(problem.days, key=lambda d: d.date):
        weeks[d.date.isocalendar()[:2]].append(d)
    tpl = {t.code: t for t in problem.templates}
    assignments: list[Assignment] = []
    prior_unpopular: dict[int, int] = defaultdict(int)
    prior_quarters: dict[int, int] = defaultdict(int)
    statuses = []
    objective = bound = 0.0
    short_slots = 0
    remaining_days = len(problem.days)
    for week_days in weeks.values():
        left = problem.time_limit_seconds - (time.monotonic() - started)
        share = left * len(week_days) / max(1, remaining_days)
        remaining_days -= len(week_days)
        part = _solve_days(problem, week_days, share, prior_unpopular, prior_quarters)
        statuses.append(part.status)
        if part.status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            first = week_days[0].date
            problems.append(
                f"{first.month}月{first.day}日の週のシフト案が制限時間内に見つかりませんでした。"
                "制限時間を延ばすか、条件（契約時間・休暇・必要人数）を見直してください。"
            )
            return Solution(status="NO_SOLUTION", wall_seconds=time.monotonic() - started, problems=problems)
        assignments += part.assignments
        objective += part.objective
        bound += part.bound
        short_slots += part.short
        days_by_date = {d.date: d for d in week_days}
        for a in part.assignments:
            prior_quarters[a.worker_id] += a.paid_minutes // SLOT_MINUTES
            if tpl[a.template].unpopular or days_by_date[a.date].special:
                prior_unpopular[a.worker_id] += 1

    n_slots = max((len(v) for v in problem.required.values()), default=0)
    scheduled: dict[tuple[datetime.date, str], list[int]] = {
        key: [0] * len(req) for key, req in problem.required.items()
    }
    for a in assignments:
        row = scheduled.setdefault((a.date, a.skill), [0] * n_slots)
        for q in range(to_slot(a.start, origin), min(len(row), to_slot(a.end, origin))):
            if a.break_start and a.break_end and a.break_start <= slot_time(q, origin) < a.break_end:
                continue
            row[q] += 1

    shortfalls: list[Shortfall] = []
    for (date, s), req in sorted(problem.required.items()):
        have = scheduled.get((date, s), [0] * len(req))
        gap = [max(0, r - h) for r, h in zip(req, have, strict=False)]
        for start, end, peak in _runs(gap, origin):
            reason = "研修修了者なし" if not any(s in w.skills for w in problem.workers) else ""
            shortfalls.append(Shortfall(date, s, start, end, peak, reason))

    return Solution(
        status="OPTIMAL" if all(st == cp_model.OPTIMAL for st in statuses) else "FEASIBLE",
        assignments=assignments,
        shortfalls=shortfalls,
        scheduled=scheduled,
        paid_minutes=sum(a.paid_minutes for a in assignments),
        short_slots=short_slots,
        objective=objective,
        bound=bound,
        wall_seconds=time.monotonic() - started,
        problems=problems,
    )


def describe_shortfall(s: Shortfall) -> str:
    text = (
        f"{s.date.month}月{s.date.day}日 {s.start:%-H:%M}〜{s.end:%-H:%M} "
        f"{SKILL_LABELS.get(s.skill, s.skill)}が{s.short}人不足"
    )
    return text + (f"（{s.reason}）" if s.reason else "")

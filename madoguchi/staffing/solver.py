"""Shift scheduling with OR-Tools CP-SAT (pure Python, no ORM).

Time is cut into 15-minute slots (8:30–17:15 is not a whole number of half-hours); requirements come per
slot and skill. Each worker takes at most one shift template a day and does one job (skill) on it.

Breaks follow the Labour Standards Act art. 34: 45 minutes for more than 6 hours, 60 minutes for more than
8 hours (of the shift's span). They are modelled in aggregate: for each (day, template, skill) an integer
count of people starting their break at each allowed slot. People on the same template and job are
interchangeable for coverage, so this is exact, and it keeps the model small; names are dealt out after.

Objective, lexicographic by weights: shortfall (person-slots below the requirement) ≫ paid minutes ≫
fairness (spread of evening/holiday shifts and of hours against contract). Shortfall is a soft variable so
that a month that cannot be covered still returns a schedule together with where and by how much it is
short, instead of a bare INFEASIBLE.
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
    break_after: int = 150
    break_before_end: int = 120

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
W_FAIR_UNPOPULAR = 3
W_FAIR_HOURS = 1  # per 15 minutes of spread


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


def solve(problem: Problem) -> Solution:
    started = time.monotonic()
    origin = problem.origin
    model = cp_model.CpModel()
    problems: list[str] = []
    problems += validate_templates(problem.days, problem.templates)

    skills = sorted({s for (_, s) in problem.required})
    n_slots = max((len(v) for v in problem.required.values()), default=0)
    day_by_date = {d.date: d for d in problem.days}

    # Pre-solve explanations: a required skill with nobody trained for it.
    for skill in skills:
        needed = any(sum(v) > 0 for (d, s), v in problem.required.items() if s == skill)
        if needed and not any(skill in w.skills for w in problem.workers):
            problems.append(f"{SKILL_LABELS.get(skill, skill)}の研修を修了した業務従事者がいません。")

    # Which templates fit which day (inside its opening hours).
    fits: dict[datetime.date, list[Template]] = {
        d.date: [t for t in problem.templates if d.opens <= t.start and t.end <= d.closes]
        for d in problem.days
    }

    x: dict[tuple[int, datetime.date, str, str], cp_model.IntVar] = {}
    for w in problem.workers:
        for d in problem.days:
            if d.date in w.unavailable:
                continue
            for t in fits[d.date]:
                if t.part_time != w.part_time:
                    continue
                for s in w.skills:
                    if any(problem.required.get((d.date, s), [])):
                        x[w.id, d.date, t.code, s] = model.new_bool_var(f"x{w.id}_{d.date:%m%d}_{t.code}_{s}")

    by_worker_day: dict[tuple[int, datetime.date], list] = defaultdict(list)
    by_day_tpl_skill: dict[tuple[datetime.date, str, str], list] = defaultdict(list)
    for (wid, date, tcode, s), var in x.items():
        by_worker_day[wid, date].append(var)
        by_day_tpl_skill[date, tcode, s].append(var)
    for vars_ in by_worker_day.values():
        model.add_at_most_one(vars_)

    tpl = {t.code: t for t in problem.templates}

    # Breaks, aggregated: n[d,t,s,b] people on (t, s) start their break at slot b.
    breaks: dict[tuple[datetime.date, str, str], list[tuple[int, cp_model.IntVar]]] = {}
    for (date, tcode, s), vars_ in by_day_tpl_skill.items():
        t = tpl[tcode]
        if t.break_minutes == 0:
            continue
        t0, t1 = to_slot(t.start, origin), to_slot(t.end, origin)
        length = t.break_minutes // SLOT_MINUTES + (t.break_minutes % SLOT_MINUTES > 0)
        first = t0 + t.break_after // SLOT_MINUTES
        last = t1 - t.break_before_end // SLOT_MINUTES - length
        if last < first:
            first, last = t0 + 1, t1 - length - 1
        options = []
        for b in range(first, last + 1):
            options.append((b, model.new_int_var(0, len(vars_), f"n{date:%m%d}_{tcode}_{s}_{b}")))
        model.add(sum(v for _, v in options) == sum(vars_))
        breaks[date, tcode, s] = options

    # Coverage with soft shortfall.
    short_vars = []
    deep_vars = []
    short_index: dict[tuple[datetime.date, str, int], cp_model.IntVar] = {}
    for (date, s), req in problem.required.items():
        if date not in day_by_date:
            continue
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
                length = t.break_minutes // SLOT_MINUTES + (t.break_minutes % SLOT_MINUTES > 0)
                for b, var in breaks.get((date, t.code, s), []):
                    if b <= q < b + length:
                        off.append(var)
            sv = model.new_int_var(0, need, f"short{date:%m%d}_{s}_{q}")
            short_index[date, s, q] = sv
            short_vars.append(sv)
            if need > 1:
                # Convex: two people short at once is worse than one short twice (losses grow faster).
                ex = model.new_int_var(0, need, f"deep{date:%m%d}_{s}_{q}")
                model.add(ex >= sv - 1)
                deep_vars.append(ex)
            model.add(sum(on) - sum(off) + sv >= need)

    # Contract hours per ISO week (hard).
    weekly: dict[tuple[int, tuple[int, int]], list] = defaultdict(list)
    worker_minutes: dict[int, list] = defaultdict(list)
    worker_unpopular: dict[int, list] = defaultdict(list)
    for (wid, date, tcode, _s), var in x.items():
        t = tpl[tcode]
        quarters = t.paid_minutes // SLOT_MINUTES
        weekly[wid, date.isocalendar()[:2]].append((quarters, var))
        worker_minutes[wid].append((quarters, var))
        if t.unpopular or day_by_date[date].special:
            worker_unpopular[wid].append(var)
    workers = {w.id: w for w in problem.workers}
    for (wid, _week), terms in weekly.items():
        model.add(sum(q * v for q, v in terms) <= workers[wid].contract_minutes_per_week // SLOT_MINUTES)

    paid = sum(q * v for terms in worker_minutes.values() for q, v in terms)

    # Fairness: the most evening/holiday shifts any one person gets, and the spread of hours among full-timers.
    max_unpopular = model.new_int_var(0, len(problem.days), "max_unpopular")
    for _wid, vars_ in worker_unpopular.items():
        model.add(sum(vars_) <= max_unpopular)
    horizon_q = len(problem.days) * 12 * 60 // SLOT_MINUTES
    hi = model.new_int_var(0, horizon_q, "hours_hi")
    lo = model.new_int_var(0, horizon_q, "hours_lo")
    full_timers = [w for w in problem.workers if not w.part_time and worker_minutes.get(w.id)]
    for w in full_timers:
        total = sum(q * v for q, v in worker_minutes[w.id])
        model.add(total <= hi)
        model.add(total >= lo)
    spread = hi - lo if full_timers else 0

    model.minimize(
        W_SHORT * sum(short_vars)
        + W_DEEP * sum(deep_vars)
        + W_PAID * paid
        + W_FAIR_UNPOPULAR * max_unpopular
        + W_FAIR_HOURS * spread
    )

    solver = cp_model.CpSolver()
    solver.parameters.num_workers = problem.num_workers
    solver.parameters.max_time_in_seconds = max(
        1.0, problem.time_limit_seconds - (time.monotonic() - started)
    )
    solver.parameters.random_seed = problem.seed
    status = solver.solve(model)
    wall = time.monotonic() - started
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        problems.append(
            "制限時間内にシフト案が見つかりませんでした。制限時間を延ばすか、条件（契約時間・休暇・必要人数）を見直してください。"
        )
        return Solution(status="NO_SOLUTION", wall_seconds=wall, problems=problems)

    # Read the schedule; deal the aggregated break starts out to the people on each (day, template, skill).
    chosen: dict[tuple[datetime.date, str, str], list[int]] = defaultdict(list)
    for (wid, date, tcode, s), var in x.items():
        if solver.value(var):
            chosen[date, tcode, s].append(wid)
    assignments: list[Assignment] = []
    for (date, tcode, s), wids in sorted(chosen.items(), key=lambda kv: (kv[0][0], kv[0][1], kv[0][2])):
        t = tpl[tcode]
        starts: list[int | None] = []
        for b, var in breaks.get((date, tcode, s), []):
            starts += [b] * solver.value(var)
        starts += [None] * (len(wids) - len(starts))
        length_min = t.break_minutes
        for wid, b in zip(sorted(wids, key=lambda i: workers[i].name), starts, strict=False):
            bs = slot_time(b, origin) if b is not None else None
            be = None
            if bs is not None:
                m = bs.hour * 60 + bs.minute + length_min
                be = datetime.time(m // 60, m % 60)
            assignments.append(Assignment(wid, date, tcode, s, t.start, t.end, bs, be, t.paid_minutes))

    # Scheduled heads per slot and skill (on duty, not on break).
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
            reason = ""
            if not any(s in w.skills for w in problem.workers):
                reason = "研修修了者なし"
            shortfalls.append(Shortfall(date, s, start, end, peak, reason))

    return Solution(
        status="OPTIMAL" if status == cp_model.OPTIMAL else "FEASIBLE",
        assignments=assignments,
        shortfalls=shortfalls,
        scheduled=scheduled,
        paid_minutes=sum(a.paid_minutes for a in assignments),
        short_slots=int(sum(solver.value(v) for v in short_vars)),
        objective=solver.objective_value,
        bound=solver.best_objective_bound,
        wall_seconds=wall,
        problems=problems,
    )


def describe_shortfall(s: Shortfall) -> str:
    text = (
        f"{s.date.month}月{s.date.day}日 {s.start:%-H:%M}〜{s.end:%-H:%M} "
        f"{SKILL_LABELS.get(s.skill, s.skill)}が{s.short}人不足"
    )
    return text + (f"（{s.reason}）" if s.reason else "")

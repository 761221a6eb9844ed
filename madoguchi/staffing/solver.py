"""One roster for a month across every office, with OR-Tools CP-SAT (pure Python, no ORM).

Time is cut into 15-minute slots from `Problem.origin`; requirements come per (date, office, skill) and slot.
A person takes at most one shift a day — at one office, on one template, doing one job — whatever the office.

Model (person level, one model for the whole month):
- x[p, d, o, t, s] = 1 when person p works template t at office o doing job s on day d; created only where p is
  trained for s, may work at o, is available for the whole of t that day and t fits o's hours that day.
- breaks (Labour Standards Act art. 34) are counted per (day, office, template, job, start slot), so staggering
  is exact and cheap; the starts are dealt out to the persons after solving.
- hard rules: one shift a day; weekly and monthly maximum hours (minutes already worked outside the month
  count); at most `max_consecutive` days in a row (the days just before the month count); rest between shifts;
  fixed shifts (outreach assignments, locked past days) are kept as they are.
- soft rules, by weight: shortfall (convex: two short at once is worse than one short twice) ≫ changing a
  published shift (minimal-change re-solve) ≫ hours under the weekly / monthly minimum (full-timers are planned
  to their contract, pro rata of the days they can work) ≫ fairness of evening and holiday shifts (the most any
  one person has, this fiscal year included) ≫ unwanted / non-preferred weekdays ≫ paid minutes.

Determinism: a fixed seed and a deterministic time limit (`max_deterministic_time`); with more than one worker,
`interleave_search` keeps the parallel search deterministic. The wall-clock limit is only a safety net.
"""

from __future__ import annotations

import datetime
import time
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

SLOT_MINUTES = 15
MIN_REST_MINUTES = 11 * 60  # rest between the end of one shift and the start of the next (EU-style 11 h)


def to_slot(t: datetime.time, origin: datetime.time) -> int:
    return ((t.hour * 60 + t.minute) - (origin.hour * 60 + origin.minute)) // SLOT_MINUTES


def slot_time(slot: int, origin: datetime.time) -> datetime.time:
    minutes = origin.hour * 60 + origin.minute + slot * SLOT_MINUTES
    return datetime.time(minutes // 60, minutes % 60)


def minutes_of(t: datetime.time) -> int:
    return t.hour * 60 + t.minute


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
    weekdays: frozenset[int] = frozenset(range(7))  # Monday = 0

    @cached_property
    def span_minutes(self) -> int:
        return minutes_of(self.end) - minutes_of(self.start)

    @cached_property
    def break_minutes(self) -> int:
        return break_minutes_for(self.span_minutes)

    @cached_property
    def paid_minutes(self) -> int:
        return self.span_minutes - self.break_minutes

    @property
    def label(self) -> str:
        return f"{self.start:%-H:%M}〜{self.end:%-H:%M}"


@dataclass(frozen=True)
class Day:
    """One office open on one date. `regular_close`: later is the evening extension (an unpopular shift)."""

    date: datetime.date
    opens: datetime.time
    closes: datetime.time
    special: bool = False  # holiday opening / weekend (counts as unpopular)
    office: str = "main"
    regular_close: datetime.time | None = None
    setup_minutes: int = 0  # a shift may start this long before opening (set-up)

    def fits(self, t: Template) -> bool:
        earliest = minutes_of(self.opens) - self.setup_minutes
        return (
            minutes_of(t.start) >= earliest
            and t.end <= self.closes
            and t.start < self.closes
            and self.date.weekday() in t.weekdays
        )

    def unpopular(self, t: Template) -> bool:
        return self.special or (self.regular_close is not None and t.end > self.regular_close)


@dataclass(frozen=True)
class Worker:
    id: int
    name: str
    skills: frozenset[str]  # only the skills the worker is TRAINED for (on that date: see trained_from)
    contract_minutes_per_week: int
    part_time: bool = False
    unavailable: frozenset[datetime.date] = frozenset()
    offices: frozenset[str] = frozenset({"main"})  # home office and the offices the person may work at
    home_office: str = "main"
    min_minutes_per_week: int | None = None  # None: full-timers their contract, part-timers 0
    max_minutes_per_week: int | None = None  # None: the contract
    min_minutes_per_month: int | None = None
    max_minutes_per_month: int | None = None
    max_consecutive_days: int = 5
    # Partial-day availability: on these dates only shifts inside (from, until).
    windows: dict[datetime.date, tuple[datetime.time, datetime.time]] = field(default_factory=dict)
    preferred_weekdays: frozenset[int] = frozenset()
    unwanted_weekdays: frozenset[int] = frozenset()
    prior_unpopular: int = 0  # evening / holiday shifts earlier in the fiscal year
    worked_before: frozenset[datetime.date] = frozenset()  # days worked just before the month
    last_end_before: datetime.datetime | None = None  # end of the last shift before the month
    # A skill trained only from a date (a course completed mid-month): skill → first date.
    trained_from: dict[str, datetime.date] = field(default_factory=dict)

    def __hash__(self) -> int:
        return hash(self.id)

    @property
    def max_week(self) -> int:
        return (
            self.max_minutes_per_week
            if self.max_minutes_per_week is not None
            else self.contract_minutes_per_week
        )

    @property
    def min_week(self) -> int:
        if self.min_minutes_per_week is not None:
            return self.min_minutes_per_week
        return 0 if self.part_time else self.contract_minutes_per_week

    def can_do(self, skill: str, date: datetime.date) -> bool:
        if skill not in self.skills:
            return False
        first = self.trained_from.get(skill)
        return first is None or date >= first


@dataclass(frozen=True)
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
    office: str = "main"

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.office, self.template, self.skill)


@dataclass
class Problem:
    days: list[Day]
    workers: list[Worker]
    templates: list[Template]
    # required[(date, office, skill)] = people needed per slot from `origin`
    required: dict[tuple[datetime.date, str, str], list[int]]
    origin: datetime.time
    time_limit_seconds: float = (
        50.0  # deterministic time units (about seconds on an idle core), see module doc
    )
    wall_limit_seconds: float | None = None  # safety net only (default 10 × the deterministic limit)
    deterministic: bool = (
        True  # False: `time_limit_seconds` is wall-clock time and the workers run in parallel
    )
    num_workers: int = 1
    seed: int = 1
    # Minutes already worked in a (worker, ISO week) outside this problem (a week that straddles two months).
    hours_already: dict[tuple[int, tuple[int, int]], int] = field(default_factory=dict)
    fixed: list[Assignment] = field(default_factory=list)  # outreach, locked past days: kept as they are
    previous: dict[tuple[int, datetime.date], tuple[str, str, str] | None] = field(default_factory=dict)
    progress: Any = None  # callable(done: int, total: int, message: str) or None
    gap_limit: float = 0.005  # stop when the roster is proved within 0.5 % of the best possible
    # True: CP-SAT's defaults, no starting roster, no gap limit (the benchmark's "before" in the same run).
    baseline_search: bool = False
    # False: the starting roster without the moves across days and offices (the benchmark's comparison).
    greedy_moves: bool = True


@dataclass
class Shortfall:
    date: datetime.date
    skill: str
    start: datetime.time
    end: datetime.time
    short: int  # people missing (the largest over the slots of the run)
    reason: str = ""
    office: str = "main"


@dataclass
class Solution:
    status: str  # OPTIMAL, FEASIBLE, INFEASIBLE, NO_SOLUTION
    assignments: list[Assignment] = field(default_factory=list)
    shortfalls: list[Shortfall] = field(default_factory=list)
    scheduled: dict[tuple[datetime.date, str, str], list[int]] = field(default_factory=dict)
    paid_minutes: int = 0
    short_slots: int = 0
    objective: float = 0.0
    bound: float = 0.0
    wall_seconds: float = 0.0
    deterministic_seconds: float = 0.0  # CP-SAT's deterministic time (independent of the machine's load)
    problems: list[str] = field(
        default_factory=list
    )  # explanations (Japanese), found before or after solving
    changes: list[tuple[int, datetime.date, str, str]] = field(
        default_factory=list
    )  # (worker, date, before, after)
    under_contract: list[str] = field(default_factory=list)

    @property
    def gap(self) -> float:
        if self.objective == 0:
            return 0.0
        return abs(self.objective - self.bound) / max(1.0, abs(self.objective))

    @property
    def covered(self) -> bool:
        return self.status in ("OPTIMAL", "FEASIBLE") and not self.shortfalls

    @property
    def shortfall_proved(self) -> bool:
        """True when the solver proved no roster under the rules has less shortfall (not a time-limit result)."""
        return self.status == "OPTIMAL"


SKILL_LABELS = {
    "phones": "電話応対",
    "back_office": "交付事務",
    "floor": "フロア案内",
    "outreach": "出張申請",
}

W_SHORT = 100_000
W_DEEP = 50_000
W_CHANGE = 50_000  # per person-day changed against the previous (published) roster (> a day under contract)
W_UNDER = 1_000  # per quarter-hour under a weekly / monthly minimum
W_FAIR = 500  # per evening / holiday shift, times how many the person already has this fiscal year
W_UNWANTED = 300
W_NOT_PREFERRED = 100
W_PAID = 10  # per paid quarter-hour (no more people than needed)


def jp_date(d: datetime.date) -> str:
    return f"{d.month}月{d.day}日"


def hours_label(minutes: int) -> str:
    return f"{minutes / 60:g}時間"


def validate_templates(days: list[Day], templates: list[Template]) -> list[str]:
    """Templates outside every opening of the month: they could never be used; say so."""
    messages: list[str] = []
    if not days:
        return messages
    for t in templates:
        if t.end <= t.start:
            messages.append(f"シフト「{t.name}」の終了時刻が開始時刻より前です。")
            continue
        if not any(d.fits(t) for d in days):
            earliest = min(d.opens for d in days)
            latest = max(d.closes for d in days)
            messages.append(
                f"シフト「{t.name}」（{t.label}）は、この月のどの日の開庁時間"
                f"（{earliest:%-H:%M}〜{latest:%-H:%M}）にも収まりません。"
            )
    return messages


def validate_fixed(problem: Problem) -> list[str]:
    """Fixed shifts that break a hard rule: the month cannot be planned until they are changed (Japanese,
    naming the person, the day and the rule)."""
    by_id = {w.id: w for w in problem.workers}
    messages = []
    per_day: dict[tuple[int, datetime.date], list[Assignment]] = defaultdict(list)
    per_week: dict[tuple[int, tuple[int, int]], int] = defaultdict(int)
    for a in problem.fixed:
        per_day[a.worker_id, a.date].append(a)
        per_week[a.worker_id, a.date.isocalendar()[:2]] += a.paid_minutes
    for (wid, date), items in sorted(per_day.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        w = by_id.get(wid)
        if w is None:
            continue
        if len(items) > 1:
            messages.append(
                f"{w.name}さん {jp_date(date)}: 1日に2つの確定シフトがあります（1日1シフトの規則）。"
            )
        if date in w.unavailable:
            messages.append(f"{w.name}さん {jp_date(date)}: 勤務不可日に確定シフトがあります（休暇の規則）。")
    for (wid, week), minutes in sorted(per_week.items()):
        w = by_id.get(wid)
        if w is None:
            continue
        total = minutes + problem.hours_already.get((wid, week), 0)
        if total > w.max_week:
            monday = datetime.date.fromisocalendar(week[0], week[1], 1)
            messages.append(
                f"{w.name}さん {jp_date(monday)}の週: 確定シフトだけで{hours_label(total)}となり、"
                f"週の上限{hours_label(w.max_week)}を超えます（契約時間の規則）。"
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


def _break_slots(t: Template) -> int:
    return t.break_minutes // SLOT_MINUTES + (t.break_minutes % SLOT_MINUTES > 0)


def _break_range(t: Template, origin: datetime.time) -> tuple[int, int]:
    t0, t1 = to_slot(t.start, origin), to_slot(t.end, origin)
    length = _break_slots(t)
    first = t0 + t.break_after // SLOT_MINUTES
    last = t1 - t.break_before_end // SLOT_MINUTES - length
    if last < first:
        first, last = t0 + 1, t1 - length - 1
    return first, last


def _available(w: Worker, d: Day, t: Template) -> bool:
    if d.date in w.unavailable:
        return False
    window = w.windows.get(d.date)
    if window is not None and not (window[0] <= t.start and t.end <= window[1]):
        return False
    return True


def _week_target(
    w: Worker, week_dates: list[datetime.date], workable: set[datetime.date], already: int
) -> int:
    """Minutes the person should work in the week: the weekly minimum pro rata of the regular weekdays of the
    week inside the month on which they can work (leave, closures and the other month excluded)."""
    if w.min_week <= 0:
        return 0
    days = sum(1 for d in week_dates if d in workable and d.weekday() < 5)
    return max(0, min(w.min_week - already, w.min_week * days // 5))


Key = tuple[str, str, str]  # (office, template, job)


@dataclass
class _Start:
    """The search's starting roster: one option (or none) per person-day and the break start of each shift."""

    chosen: dict[tuple[int, datetime.date], Key] = field(default_factory=dict)
    break_at: dict[tuple[int, datetime.date], int] = field(default_factory=dict)


class _Greedy:
    """The search's starting roster, built day by day under every hard rule of the model: the previous
    (published) roster where it still fits; then the people who must work that day to reach their week's
    target (contract), the least flexible first; then others where they cover an unmet need; then a repair
    (breaks moved to where the cover is thickest, people moved to where they cover more, anyone free added);
    at the end evening / holiday shifts are swapped towards whoever has had fewest. CP-SAT starts from it (a
    complete hint) and improves it; on a re-plan it is the previous roster minus what no longer fits, so the
    search starts with the fewest changes."""

    def __init__(
        self,
        problem: Problem,
        by_pd: dict[tuple[int, datetime.date], list[tuple[Key, Any]]],
        tpl: dict[str, Template],
        fixed_duty: dict[tuple[datetime.date, str, str], list[int]],
        fixed_minutes: dict[tuple[int, datetime.date], int],
        weeks: dict[tuple[int, int], list[datetime.date]],
        days_by_date: dict[datetime.date, list[Day]],
    ) -> None:
        self.problem, self.by_pd, self.tpl = problem, by_pd, tpl
        self.fixed_duty, self.fixed_minutes, self.weeks = fixed_duty, fixed_minutes, weeks
        self.office_day = {(d.date, d.office): d for day_list in days_by_date.values() for d in day_list}
        self.out = _Start()
        self.workable: dict[int, set[datetime.date]] = defaultdict(set)
        for wid, date in list(by_pd) + list(fixed_minutes):
            self.workable[wid].add(date)
        self.minutes_week: dict[tuple[int, tuple[int, int]], int] = defaultdict(int)
        self.minutes_month: dict[int, int] = defaultdict(int)
        for (wid, week), m in problem.hours_already.items():
            self.minutes_week[wid, week] += m
        for (wid, date), m in fixed_minutes.items():
            self.minutes_week[wid, date.isocalendar()[:2]] += m
            self.minutes_month[wid] += m
        self.worked: dict[int, set[datetime.date]] = {w.id: set(w.worked_before) for w in problem.workers}
        for wid, date in fixed_minutes:
            self.worked.setdefault(wid, set()).add(date)
        self.targets: dict[tuple[int, tuple[int, int]], int] = {}
        for w in problem.workers:
            for week, week_dates in weeks.items():
                already = problem.hours_already.get((w.id, week), 0)
                self.targets[w.id, week] = already + _week_target(w, week_dates, self.workable[w.id], already)
        self.unpopular_count = {w.id: w.prior_unpopular for w in problem.workers}
        # the day being built
        self.date = datetime.date.min
        self.week = (0, 0)
        self.need: dict[tuple[str, str], list[int]] = {}
        self.built: set[datetime.date] = set()
        self.needs: dict[datetime.date, dict[tuple[str, str], list[int]]] = {}

    # --- rules and measures -------------------------------------------------------------------------
    def unpopular(self, date: datetime.date, key: Key) -> bool:
        return self.office_day[date, key[0]].unpopular(self.tpl[key[1]])

    def rest_ok(self, wid: int, date: datetime.date, t: Template) -> bool:
        before = self.out.chosen.get((wid, date - datetime.timedelta(days=1)))
        if before and 24 * 60 - minutes_of(self.tpl[before[1]].end) + minutes_of(t.start) < MIN_REST_MINUTES:
            return False
        after = self.out.chosen.get((wid, date + datetime.timedelta(days=1)))
        return not (
            after and 24 * 60 - minutes_of(t.end) + minutes_of(self.tpl[after[1]].start) < MIN_REST_MINUTES
        )

    def hours_ok(self, w: Worker, date: datetime.date, extra: int) -> bool:
        if self.minutes_week[w.id, date.isocalendar()[:2]] + extra > w.max_week:
            return False
        cap = w.max_minutes_per_month
        return cap is None or self.minutes_month[w.id] + extra <= cap

    def fits(self, w: Worker, key: Key) -> bool:
        t = self.tpl[key[1]]
        if not self.hours_ok(w, self.date, t.paid_minutes) or not self.rest_ok(w.id, self.date, t):
            return False
        k = w.max_consecutive_days
        if k <= 0:
            return True
        days = self.worked[w.id]
        # every window of k + 1 days around the date (fixed days ahead count); the date itself counts 1
        flags = [
            1 if i == 0 else int(self.date + datetime.timedelta(days=i) in days) for i in range(-k, k + 1)
        ]
        return all(sum(flags[first : first + k + 1]) <= k for first in range(k + 1))

    def options(self, w: Worker) -> list[Key]:
        return [k for k, _ in self.by_pd[w.id, self.date] if self.fits(w, k)]

    def gain(self, key: Key, wid: int | None = None) -> int:
        """Unmet quarter-hours the option covers (less its break); an evening / holiday shift counts against
        whoever already has many (the fairness rule)."""
        row = self.need.get((key[0], key[2]))
        if row is None:
            return 0
        t = self.tpl[key[1]]
        t0, t1 = to_slot(t.start, self.problem.origin), to_slot(t.end, self.problem.origin)
        g = sum(1 for q in range(max(0, t0), min(len(row), t1)) if row[q] > 0) - _break_slots(t)
        if wid is not None and self.unpopular(self.date, key):
            g -= 10 * self.unpopular_count[wid]
        return g

    def best(self, w: Worker, options: list[Key]) -> Key:
        return max(
            options, key=lambda k: (self.gain(k, w.id), k[0] == w.home_office, -self.tpl[k[1]].paid_minutes)
        )

    def short(self) -> bool:
        return any(v > 0 for row in self.need.values() for v in row)

    # --- moves --------------------------------------------------------------------------------------
    def take(self, wid: int, key: Key) -> None:
        t = self.tpl[key[1]]
        self.out.chosen[wid, self.date] = key
        self.unpopular_count[wid] += self.unpopular(self.date, key)
        self.minutes_week[wid, self.week] += t.paid_minutes
        self.minutes_month[wid] += t.paid_minutes
        self.worked[wid].add(self.date)
        row = self.need.get((key[0], key[2]))
        if row is None:
            return
        t0, t1 = to_slot(t.start, self.problem.origin), to_slot(t.end, self.problem.origin)
        for q in range(max(0, t0), min(len(row), t1)):
            row[q] -= 1
        if t.break_minutes:
            self.place_break(wid, t, row)

    def place_break(self, wid: int, t: Template, row: list[int]) -> None:
        b0, b1 = _break_range(t, self.problem.origin)
        length = _break_slots(t)

        def thin(b: int) -> tuple[int, int, int]:
            cells = [row[q] for q in range(b, min(len(row), b + length))]
            return (max(cells, default=-99), sum(cells), b)

        b = min(range(b0, b1 + 1), key=thin)
        self.out.break_at[wid, self.date] = b
        for q in range(b, min(len(row), b + length)):
            row[q] += 1

    def untake(self, wid: int) -> Key:
        key = self.out.chosen.pop((wid, self.date))
        self.unpopular_count[wid] -= self.unpopular(self.date, key)
        t = self.tpl[key[1]]
        self.minutes_week[wid, self.week] -= t.paid_minutes
        self.minutes_month[wid] -= t.paid_minutes
        self.worked[wid].discard(self.date)
        row = self.need.get((key[0], key[2]))
        b = self.out.break_at.pop((wid, self.date), None)
        if row is not None:
            t0, t1 = to_slot(t.start, self.problem.origin), to_slot(t.end, self.problem.origin)
            for q in range(max(0, t0), min(len(row), t1)):
                row[q] += 1
            for q in range(b, min(len(row), b + _break_slots(t))) if b is not None else ():
                row[q] -= 1
        return key

    # --- one day ------------------------------------------------------------------------------------
    def must_work(self, w: Worker) -> bool:
        short = self.targets[w.id, self.week] - self.minutes_week[w.id, self.week]
        if short <= 0:
            return False
        left = sum(
            1
            for d in self.weeks[self.week]
            if d > self.date
            and d not in self.built
            and d in self.workable[w.id]
            and (w.id, d) not in self.fixed_minutes
        )
        longest = max(self.tpl[k[1]].paid_minutes for k, _ in self.by_pd[w.id, self.date])
        return short > left * longest - longest // 2

    def day(self, date: datetime.date) -> None:
        self.date, self.week = date, date.isocalendar()[:2]
        self.built.add(date)
        self.need = self.needs[date] = {}
        for (d, office, s), req in self.problem.required.items():
            if d == date:
                base = self.fixed_duty.get((d, office, s))
                self.need[office, s] = [r - (base[q] if base else 0) for q, r in enumerate(req)]
        people = [w for w in self.problem.workers if (w.id, date) in self.by_pd]
        free = []
        for w in people:  # 1. the previous roster where it still fits
            if (w.id, date) not in self.problem.previous:
                free.append(w)
                continue
            before = self.problem.previous[w.id, date]
            if (
                before is not None
                and any(k == before for k, _ in self.by_pd[w.id, date])
                and self.fits(w, before)
            ):
                self.take(w.id, before)
        urgent = [w for w in free if self.must_work(w)]
        for w in sorted(
            urgent, key=lambda w: (len(self.by_pd[w.id, date]), w.id)
        ):  # 2. to reach the contract
            options = self.options(w)
            if options:
                self.take(w.id, self.best(w, options))
        others = sorted(  # 3. where they cover an unmet need, those furthest from their target first
            (w for w in free if (w.id, date) not in self.out.chosen),
            key=lambda w: (self.minutes_week[w.id, self.week] - self.targets[w.id, self.week], w.id),
        )
        for w in others:
            options = self.options(w)
            if options:
                best = self.best(w, options)
                t = self.tpl[best[1]]
                if self.gain(best) * 2 >= (minutes_of(t.end) - minutes_of(t.start)) // SLOT_MINUTES:
                    self.take(w.id, best)
        for _round in range(3):  # 4. repair what is still short
            if not self.short():
                break
            self.repair([w for w in free if (w.id, date) in self.out.chosen], others)
        if (
            self.short() and self.problem.greedy_moves
        ):  # 5. two people at once: one moves to the short job / office, another fills in
            self.chain([w for w in free if (w.id, date) in self.out.chosen], free)

    def repair(self, working: list[Worker], others: list[Worker]) -> None:
        for wid in sorted(w for (w, d) in self.out.break_at if d == self.date):
            key = self.out.chosen[wid, self.date]
            row = self.need.get((key[0], key[2]))
            if row is not None:
                t = self.tpl[key[1]]
                b = self.out.break_at.pop((wid, self.date))
                for q in range(b, min(len(row), b + _break_slots(t))):
                    row[q] -= 1
                self.place_break(wid, t, row)
        short_rows = {key for key, row in self.need.items() if any(v > 0 for v in row)}
        for w in working:  # move someone to a job / office still short if that lowers the day's shortfall
            current = self.out.chosen.get((w.id, self.date))
            if current is None:
                continue
            targets = [
                k for k, _ in self.by_pd[w.id, self.date] if (k[0], k[2]) in short_rows and k != current
            ]
            if not targets:
                continue
            old = self.untake(w.id)
            best, best_short = old, None
            for k in [old, *targets]:
                if k != old and not self.fits(w, k):
                    continue
                self.take(w.id, k)
                value = self.short_total()
                self.untake(w.id)
                if best_short is None or value < best_short:
                    best, best_short = k, value
            self.take(w.id, best)
        for w in others:  # add anyone free whose shift lowers the day's shortfall
            if (w.id, self.date) in self.out.chosen or not self.short():
                continue
            before = self.short_total()
            for k in sorted(self.options(w), key=lambda k: -self.gain(k, w.id)):
                self.take(w.id, k)
                if self.short_total() < before:
                    break
                self.untake(w.id)

    def at(self, date: datetime.date) -> None:
        """Make an already built day the current one (for moves between days)."""
        self.date, self.week, self.need = date, date.isocalendar()[:2], self.needs[date]

    def rebalance(self, dates: list[datetime.date]) -> None:
        """Move a person's shift from a day of the same week where they are not needed (taking them off
        leaves no one short) to a day still short that their week's hours kept them off — a Saturday or
        holiday opening built after a full week of weekdays. Only moves that lower the shortfall are kept."""
        by_id = {w.id: w for w in self.problem.workers}
        for date in sorted(dates, key=lambda d: (-self._short_on(d), d)):
            self.at(date)
            if not self.short():
                continue
            for w in self.problem.workers:
                if not self.short():
                    break
                if (w.id, date) not in self.by_pd or (w.id, date) in self.out.chosen:
                    continue
                if (w.id, date) in self.problem.previous or self.options(w):
                    continue  # kept off by the previous roster, or free already (the repair tried them)
                for other in self.weeks[self.week]:
                    key = self.out.chosen.get((w.id, other))
                    if other == date or key is None or (w.id, other) in self.problem.previous:
                        continue
                    if other not in self.needs or self._move_day(by_id[w.id], other, date):
                        break
        self.at(dates[-1]) if dates else None

    def _short_on(self, date: datetime.date) -> int:
        return sum(v for row in self.needs.get(date, {}).values() for v in row if v > 0)

    def _move_day(self, w: Worker, source: datetime.date, target: datetime.date) -> bool:
        self.at(source)
        before_source = self.short_total()
        old = self.untake(w.id)
        stand_in = None
        if self.short_total() > before_source:  # someone free that day takes their place
            stand_in = self._stand_in(source, before_source, exclude=w.id)
            if stand_in is None:
                self.take(w.id, old)
                self.at(target)
                return False
        self.at(target)
        before = self.short_total()
        for k in sorted(self.options(w), key=lambda k: -self.gain(k, w.id)):
            self.take(w.id, k)
            if self.short_total() < before:
                return True
            self.untake(w.id)
        self.at(source)
        if stand_in is not None:
            self.untake(stand_in)
        self.take(w.id, old)
        self.at(target)
        return False

    def _stand_in(self, date: datetime.date, level: int, exclude: int) -> int | None:
        """Someone free on `date` whose shift brings the day's shortfall back to `level` (their id)."""
        for v in self.problem.workers:
            if v.id == exclude or (v.id, date) not in self.by_pd or (v.id, date) in self.out.chosen:
                continue
            if (v.id, date) in self.problem.previous:
                continue
            for k in sorted(self.options(v), key=lambda k: -self.gain(k, v.id)):
                self.take(v.id, k)
                if self.short_total() <= level:
                    return v.id
                self.untake(v.id)
        return None

    def chain(self, working: list[Worker], free: list[Worker]) -> None:
        """A shortage the one-person repair cannot fix: A, working at another job or office, moves to the
        short job / office (any template); the gap A leaves is filled by B — someone not working that day, or
        someone working where they are not needed. Kept only if the day's shortfall falls."""
        for w in working:
            short_rows = {key for key, row in self.need.items() if any(v > 0 for v in row)}
            if not short_rows:
                return
            current = self.out.chosen.get((w.id, self.date))
            if current is None or (current[0], current[2]) in short_rows:
                continue
            targets = [k for k, _ in self.by_pd[w.id, self.date] if (k[0], k[2]) in short_rows]
            if not targets:
                continue
            before = self.short_total()
            old = self.untake(w.id)
            gap_row = (old[0], old[2])
            moved = False
            for k in sorted(targets, key=lambda k: -self.gain(k, w.id)):
                if not self.fits(w, k):
                    continue
                self.take(w.id, k)
                if self.short_total() < before or self._fill(gap_row, before, free, exclude=w.id):
                    moved = True
                    break
                self.untake(w.id)
            if not moved:
                self.take(w.id, old)

    def _fill(self, row_key: tuple[str, str], level: int, free: list[Worker], exclude: int) -> bool:
        """Someone takes a shift at `row_key` so the day's shortfall falls below `level`: a person not
        working that day, else a person moved from a shift where they are not needed."""
        for b in free:
            if b.id == exclude:
                continue
            current = self.out.chosen.get((b.id, self.date))
            if current is not None and (current[0], current[2]) == row_key:
                continue
            if current is not None and (b.id, self.date) in self.problem.previous:
                continue
            old = self.untake(b.id) if current is not None else None
            if old is not None and self.short_total() > level:  # needed where they are
                self.take(b.id, old)
                continue
            options = [k for k, _ in self.by_pd[b.id, self.date] if (k[0], k[2]) == row_key]
            for k in sorted(options, key=lambda k: -self.gain(k, b.id)):
                if not self.fits(b, k):
                    continue
                self.take(b.id, k)
                if self.short_total() < level:
                    return True
                self.untake(b.id)
            if old is not None:
                self.take(b.id, old)
        return False

    def short_total(self) -> int:
        return sum(v for row in self.need.values() for v in row if v > 0)

    # --- fairness at the end --------------------------------------------------------------------------
    def can_swap_into(self, w: Worker, date: datetime.date, key: Key, instead: Key) -> bool:
        if not any(k == key for k, _ in self.by_pd.get((w.id, date), [])):
            return False
        delta = self.tpl[key[1]].paid_minutes - self.tpl[instead[1]].paid_minutes
        return self.hours_ok(w, date, delta) and self.rest_ok(w.id, date, self.tpl[key[1]])

    def share_unpopular(self) -> None:
        """Swap an evening / holiday shift of someone who has many with the shift of someone who has fewer
        on the same day (cover unchanged: the two swap shift, job, office and break)."""
        by_id = {w.id: w for w in self.problem.workers}
        count = self.unpopular_count
        chosen = self.out.chosen
        by_date: dict[datetime.date, list[int]] = defaultdict(list)
        for wid, date in sorted(chosen):
            by_date[date].append(wid)
        for (a, date), key_a in sorted(chosen.items(), key=lambda kv: (kv[0][1], kv[0][0])):
            if (a, date) in self.problem.previous or not self.unpopular(date, key_a) or count[a] < 2:
                continue
            for b in sorted(by_date[date], key=lambda i: (count[i], i)):
                key_b = chosen[b, date]
                if b == a or (b, date) in self.problem.previous or self.unpopular(date, key_b):
                    continue
                if count[b] + 1 >= count[a]:
                    break
                if self.can_swap_into(by_id[b], date, key_a, key_b) and self.can_swap_into(
                    by_id[a], date, key_b, key_a
                ):
                    self.swap(a, b, date)
                    break

    def swap(self, a: int, b: int, date: datetime.date) -> None:
        chosen, breaks = self.out.chosen, self.out.break_at
        key_a, key_b = chosen[a, date], chosen[b, date]
        for wid, new, old in ((a, key_b, key_a), (b, key_a, key_b)):
            delta = self.tpl[new[1]].paid_minutes - self.tpl[old[1]].paid_minutes
            self.minutes_week[wid, date.isocalendar()[:2]] += delta
            self.minutes_month[wid] += delta
        chosen[a, date], chosen[b, date] = key_b, key_a
        ba, bb = breaks.pop((a, date), None), breaks.pop((b, date), None)
        if bb is not None:
            breaks[a, date] = bb
        if ba is not None:
            breaks[b, date] = ba
        self.unpopular_count[a] -= 1
        self.unpopular_count[b] += 1


def _starting_roster(
    problem: Problem,
    by_pd: dict[tuple[int, datetime.date], list[tuple[Key, Any]]],
    tpl: dict[str, Template],
    dates: list[datetime.date],
    fixed_duty: dict[tuple[datetime.date, str, str], list[int]],
    fixed_minutes: dict[tuple[int, datetime.date], int],
    weeks: dict[tuple[int, int], list[datetime.date]],
    days_by_date: dict[datetime.date, list[Day]],
) -> _Start:
    greedy = _Greedy(problem, by_pd, tpl, fixed_duty, fixed_minutes, weeks, days_by_date)
    for date in dates:
        greedy.day(date)
    if problem.greedy_moves:
        greedy.rebalance(dates)
    greedy.share_unpopular()
    return greedy.out


def _hint(  # noqa: C901 — one loop per kind of variable of the model
    model: Any,
    problem: Problem,
    start: _Start,
    *,
    x: dict[tuple[int, datetime.date, str, str, str], Any],
    work: dict[tuple[int, datetime.date], Any],
    tpl: dict[str, Template],
    breaks: dict[tuple[datetime.date, str, str, str], list[tuple[int, Any]]],
    short_meta: list[tuple[Any, Any, tuple[datetime.date, str, str], int, int]],
    under_meta: list[tuple[Any, int, list[datetime.date], int]],
    fixed_minutes: dict[tuple[int, datetime.date], int],
    unpopular_vars: dict[int, list[Any]],
    fair_meta: list[tuple[Any, int, int]],
) -> None:
    """Hint every variable of the model from the starting roster (a complete, feasible solution)."""
    origin = problem.origin
    value: dict[int, int] = {}
    for (wid, date, office, tcode, s), v in x.items():
        value[v.index] = 1 if start.chosen.get((wid, date)) == (office, tcode, s) else 0
        model.add_hint(v, value[v.index])
    for (wid, date), v in work.items():
        model.add_hint(v, 1 if (wid, date) in start.chosen else 0)
    counts: dict[tuple[datetime.date, str, str, str], dict[int, int]] = defaultdict(lambda: defaultdict(int))
    duty: dict[tuple[datetime.date, str, str], dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for (wid, date), (office, tcode, s) in start.chosen.items():
        t = tpl[tcode]
        b = start.break_at.get((wid, date))
        if t.break_minutes and b is None:  # no need where it works (a shift outside any requirement)
            b = _break_range(t, origin)[0]
        if b is not None:
            counts[date, office, tcode, s][b] += 1
        length = _break_slots(t)
        for q in range(to_slot(t.start, origin), to_slot(t.end, origin)):
            if b is None or not b <= q < b + length:
                duty[date, office, s][q] += 1
    for group, options in breaks.items():
        for b, var in options:
            model.add_hint(var, counts[group][b] if group in counts else 0)
    for sv, ex, key, q, need in short_meta:
        short = max(0, need - duty[key][q]) if key in duty else need
        model.add_hint(sv, short)
        if ex is not None:
            model.add_hint(ex, max(0, short - 1))
    for var, wid, day_list, target in under_meta:
        minutes = 0
        for date in day_list:
            if (wid, date) in fixed_minutes:
                minutes += fixed_minutes[wid, date]
            elif (wid, date) in start.chosen:
                minutes += tpl[start.chosen[wid, date][1]].paid_minutes
        model.add_hint(var, -(-max(0, target - minutes) // SLOT_MINUTES))
    for var, wid, const in fair_meta:
        count = sum(value.get(v.index, 0) for v in unpopular_vars.get(wid, []))
        model.add_hint(var, max(0, const + count))


def solve(problem: Problem) -> Solution:  # noqa: C901 — one model, built in readable steps
    """Solve the month as one model (weekly and monthly hours, consecutive days and fairness couple the weeks)."""
    from ortools.sat.python import cp_model

    started = time.monotonic()
    origin = problem.origin
    problems = validate_templates(problem.days, problem.templates)
    hard = validate_fixed(problem)
    if hard:
        return Solution(
            status="INFEASIBLE", wall_seconds=time.monotonic() - started, problems=problems + hard
        )
    skills_needed = sorted({s for (_, _, s), v in problem.required.items() if any(v)})
    for skill in skills_needed:
        if not any(skill in w.skills for w in problem.workers):
            problems.append(f"{SKILL_LABELS.get(skill, skill)}の研修を修了した業務従事者がいません。")

    model = cp_model.CpModel()
    tpl = {t.code: t for t in problem.templates}
    days_by_date: dict[datetime.date, list[Day]] = defaultdict(list)
    for d in sorted(problem.days, key=lambda d: (d.date, d.office)):
        days_by_date[d.date].append(d)
    dates = sorted(days_by_date)
    month_dates = set(dates)
    fixed_by: dict[tuple[int, datetime.date], Assignment] = {(a.worker_id, a.date): a for a in problem.fixed}

    # --- variables -------------------------------------------------------------------------------
    x: dict[tuple[int, datetime.date, str, str, str], Any] = {}
    by_pd: dict[tuple[int, datetime.date], list[tuple[tuple[str, str, str], Any]]] = defaultdict(list)
    by_dots: dict[tuple[datetime.date, str, str, str], list[Any]] = defaultdict(list)
    workable: dict[int, set[datetime.date]] = defaultdict(set)
    for w in problem.workers:
        for date in dates:
            if (w.id, date) in fixed_by:
                continue
            for d in days_by_date[date]:
                if d.office not in w.offices:
                    continue
                for t in problem.templates:
                    if t.part_time != w.part_time or not d.fits(t) or not _available(w, d, t):
                        continue
                    for s in sorted(w.skills):
                        if not w.can_do(s, date) or not any(problem.required.get((date, d.office, s), [])):
                            continue
                        v = model.new_bool_var(f"x{w.id}_{date:%m%d}_{d.office}_{t.code}_{s}")
                        x[w.id, date, d.office, t.code, s] = v
                        by_pd[w.id, date].append(((d.office, t.code, s), v))
                        by_dots[date, d.office, t.code, s].append(v)
                        workable[w.id].add(date)
    work: dict[tuple[int, datetime.date], Any] = {}
    for (wid, date), items in by_pd.items():
        model.add_at_most_one(v for _, v in items)  # one shift a day, whatever the office
        day_work = model.new_bool_var(f"w{wid}_{date:%m%d}")
        model.add(day_work == sum(v for _, v in items))
        work[wid, date] = day_work
    if problem.progress:
        problem.progress(1, 4, f"シフトの候補 {len(x):,} 通りを作成しました")

    # Fixed shifts: worked (for hours and consecutive days) and on duty (for coverage, where they match).
    fixed_minutes: dict[tuple[int, datetime.date], int] = {
        (a.worker_id, a.date): a.paid_minutes for a in problem.fixed
    }

    def minutes_expr(wid: int, day_list: list[datetime.date]) -> Any:
        terms = []
        const = 0
        for date in day_list:
            if (wid, date) in fixed_minutes:
                const += fixed_minutes[wid, date]
                continue
            for (_o, tc, _s), v in by_pd.get((wid, date), []):
                terms.append(tpl[tc].paid_minutes * v)
        return sum(terms) + const

    # --- hours, consecutive days, rest -------------------------------------------------------------
    weeks: dict[tuple[int, int], list[datetime.date]] = defaultdict(list)
    first, last = dates[0] if dates else None, dates[-1] if dates else None
    if first and last:
        day = first
        while day <= last:
            weeks[day.isocalendar()[:2]].append(day)
            day += datetime.timedelta(days=1)
    under_vars: list[tuple[Any, int, str]] = []  # (var in quarters, worker id, description)
    under_meta: list[tuple[Any, int, list[datetime.date], int]] = []  # (var, worker, dates, target minutes)
    for w in problem.workers:
        total_month = minutes_expr(w.id, dates)
        for week, week_dates in weeks.items():
            already = problem.hours_already.get((w.id, week), 0)
            week_minutes = minutes_expr(w.id, week_dates)
            model.add(week_minutes + already <= w.max_week)
            target = _week_target(
                w, week_dates, workable[w.id] | {d for (i, d) in fixed_by if i == w.id}, already
            )
            if target > 0:
                under = model.new_int_var(0, target // SLOT_MINUTES + 1, f"under{w.id}_{week[1]}")
                model.add(SLOT_MINUTES * under >= target - week_minutes)
                under_vars.append((under, w.id, f"{jp_date(week_dates[0])}の週"))
                under_meta.append((under, w.id, week_dates, target))
        if w.max_minutes_per_month is not None:
            model.add(total_month <= w.max_minutes_per_month)
        if w.min_minutes_per_month:
            under = model.new_int_var(0, w.min_minutes_per_month // SLOT_MINUTES + 1, f"underm{w.id}")
            model.add(SLOT_MINUTES * under >= w.min_minutes_per_month - total_month)
            under_vars.append((under, w.id, "月間"))
            under_meta.append((under, w.id, dates, w.min_minutes_per_month))
        # Consecutive days: in any K+1 calendar days at most K worked (the days before the month count).
        k = w.max_consecutive_days
        if first and k > 0:
            span = [first - datetime.timedelta(days=k - i) for i in range(k)]
            day = first
            while last is not None and day <= last:
                span.append(day)
                day += datetime.timedelta(days=1)
            for i in range(len(span) - k):
                window = span[i : i + k + 1]
                const = sum(1 for dd in window if dd in w.worked_before or (w.id, dd) in fixed_minutes)
                vars_ = [work[w.id, dd] for dd in window if (w.id, dd) in work]
                if vars_ and const + len(vars_) > k:
                    model.add(sum(vars_) + const <= k)
        # Rest between shifts on consecutive dates.
        for date in dates:
            nxt = date + datetime.timedelta(days=1)
            for ka, va in by_pd.get((w.id, date), []):
                for kb, vb in by_pd.get((w.id, nxt), []):
                    rest = 24 * 60 - minutes_of(tpl[ka[1]].end) + minutes_of(tpl[kb[1]].start)
                    if rest < MIN_REST_MINUTES:
                        model.add_bool_or([va.Not(), vb.Not()])

    # --- breaks, coverage ---------------------------------------------------------------------------
    breaks: dict[tuple[datetime.date, str, str, str], list[tuple[int, Any]]] = {}
    for (date, office, tcode, s), vars_ in by_dots.items():
        t = tpl[tcode]
        if t.break_minutes == 0:
            continue
        b0, b1 = _break_range(t, origin)
        options = [
            (b, model.new_int_var(0, len(vars_), f"n{date:%m%d}_{office}_{tcode}_{s}_{b}"))
            for b in range(b0, b1 + 1)
        ]
        model.add(sum(v for _, v in options) == sum(vars_))
        breaks[date, office, tcode, s] = options
    fixed_duty: dict[tuple[datetime.date, str, str], list[int]] = {}
    for a in problem.fixed:
        row = fixed_duty.setdefault((a.date, a.office, a.skill), [0] * 200)
        for q in range(max(0, to_slot(a.start, origin)), to_slot(a.end, origin)):
            if a.break_start and a.break_end and a.break_start <= slot_time(q, origin) < a.break_end:
                continue
            row[q] += 1
    short_vars = []
    deep_vars = []
    short_meta: list[tuple[Any, Any, tuple[datetime.date, str, str], int, int]] = []  # sv, deep, key, q, need
    for (date, office, s), req in problem.required.items():
        base = fixed_duty.get((date, office, s), [0] * 200)
        # the templates worked here that day: (first slot, end slot, break length, their x, their breaks)
        shapes = [
            (
                to_slot(t.start, origin),
                to_slot(t.end, origin),
                _break_slots(t),
                by_dots[date, office, t.code, s],
                breaks.get((date, office, t.code, s), []),
            )
            for t in problem.templates
            if by_dots.get((date, office, t.code, s))
        ]
        for q, need in enumerate(req):
            need = need - base[q]
            if need <= 0:
                continue
            on = []
            off = []
            for t0, t1, length, vars_, options in shapes:
                if t0 <= q < t1:
                    on += vars_
                    off += [var for b, var in options if b <= q < b + length]
            sv = model.new_int_var(0, need, f"short{date:%m%d}_{office}_{s}_{q}")
            short_vars.append(sv)
            ex = None
            if need > 1:
                ex = model.new_int_var(0, need, f"deep{date:%m%d}_{office}_{s}_{q}")
                model.add(ex >= sv - 1)
                deep_vars.append(ex)
            short_meta.append((sv, ex, (date, office, s), q, need))
            model.add(sum(on) - sum(off) + sv >= need)

    # --- minimal change against the previous roster ----------------------------------------------------
    change_terms = []
    for (wid, date), before in problem.previous.items():
        if (wid, date) in fixed_by or date not in month_dates:
            continue
        items = by_pd.get((wid, date), [])
        # Leaving the previous roster costs (and it is the search's starting point: the hint below).
        if before is None:
            if items:
                change_terms.append(work[wid, date])
            continue
        same = [v for k, v in items if k == before]
        change_terms.append(1 - same[0] if same else 1)

    # --- fairness, weekdays -------------------------------------------------------------------------
    # Fairness: a convex cost on each person's evening / holiday shifts of the fiscal year (the m-th costs
    # (m - 1) × W_FAIR), so they go to whoever has had fewest, this year's earlier months included.
    fair_terms: list[Any] = []
    unpopular_vars: dict[int, list[Any]] = {}
    fair_meta: list[tuple[Any, int, int]] = []  # (var, worker, constant): var >= constant + count
    for w in problem.workers:
        terms = []
        unpop_dates = set()
        for date in dates:
            for (o, tc, _s), v in by_pd.get((w.id, date), []):
                d = next(dd for dd in days_by_date[date] if dd.office == o)
                if d.unpopular(tpl[tc]):
                    terms.append(v)
                    unpop_dates.add(date)
        if not terms:
            continue
        count = sum(terms)
        unpopular_vars[w.id] = terms
        if w.prior_unpopular:
            fair_terms.append(w.prior_unpopular * count)
        for k in range(max(1, w.prior_unpopular), w.prior_unpopular + len(unpop_dates)):
            e = model.new_int_var(0, len(unpop_dates), f"fair{w.id}_{k}")
            model.add(e >= w.prior_unpopular + count - k)
            fair_terms.append(e)
            fair_meta.append((e, w.id, w.prior_unpopular - k))
    weekday_cost = []
    workers_by_id = {w.id: w for w in problem.workers}
    for (wid, date), v in work.items():
        w = workers_by_id[wid]
        if date.weekday() in w.unwanted_weekdays:
            weekday_cost.append(W_UNWANTED * v)
        elif w.preferred_weekdays and date.weekday() not in w.preferred_weekdays:
            weekday_cost.append(W_NOT_PREFERRED * v)

    paid = sum((tpl[k[3]].paid_minutes // SLOT_MINUTES) * v for k, v in x.items())
    model.minimize(
        W_SHORT * sum(short_vars)
        + W_DEEP * sum(deep_vars)
        + W_CHANGE * sum(change_terms)
        + W_UNDER * sum(v for v, _, _ in under_vars)
        + W_FAIR * sum(fair_terms)
        + sum(weekday_cost)
        + W_PAID * paid
    )
    # --- a complete starting point (the previous roster, else a greedy one) -----------------------------
    start_roster = _starting_roster(
        problem, by_pd, tpl, dates, fixed_duty, fixed_minutes, weeks, days_by_date
    )
    if problem.baseline_search:  # as before the tuning: the previous roster (if any) as a partial hint only
        for (wid, date), before in problem.previous.items():
            for key, v in by_pd.get((wid, date), []):
                model.add_hint(v, 1 if key == before else 0)
    else:
        _hint(
            model,
            problem,
            start_roster,
            x=x,
            work=work,
            tpl=tpl,
            breaks=breaks,
            short_meta=short_meta,
            under_meta=under_meta,
            fixed_minutes=fixed_minutes,
            unpopular_vars=unpopular_vars,
            fair_meta=fair_meta,
        )
    if problem.progress:
        problem.progress(2, 4, "シフトを計算中")

    solver = cp_model.CpSolver()
    solver.parameters.num_workers = max(1, problem.num_workers)
    solver.parameters.random_seed = problem.seed
    # Stop once the roster is proved within `gap_limit` of the best possible (CP-SAT's relative gap, the one
    # the page shows); the search starts from the complete starting roster (hint) and the bound comes from the
    # stronger LP (linearization level 2: the "max_lp" worker), which closes the gap in seconds here.
    if not problem.baseline_search:
        solver.parameters.relative_gap_limit = problem.gap_limit
    if problem.baseline_search:
        pass
    elif problem.num_workers == 1:
        solver.parameters.linearization_level = 2
    elif problem.num_workers == 2 and not problem.deterministic:
        # two workers: the bound from max_lp, the other worker improves the starting roster (LNS, local
        # search); from three workers on CP-SAT's own portfolio includes max_lp
        solver.parameters.subsolvers.append("max_lp")
    if problem.deterministic:
        solver.parameters.max_deterministic_time = max(0.5, problem.time_limit_seconds)
        # The wall clock is only a safety net (a busy machine): the deterministic limit decides, so the same
        # input gives the same roster; more than one worker searches interleaved (deterministic too).
        solver.parameters.max_time_in_seconds = problem.wall_limit_seconds or max(
            60.0, problem.time_limit_seconds * 10
        )
        if problem.num_workers > 1:
            solver.parameters.interleave_search = True
    else:
        # Wall-clock limit, workers in parallel: the best roster in the time, not reproducible to the letter.
        solver.parameters.max_time_in_seconds = max(0.5, problem.time_limit_seconds)
    status = _search(solver, model, problem)
    wall = time.monotonic() - started
    if status == cp_model.INFEASIBLE:
        problems.append(
            "この月は規則（契約時間の上限・連続勤務・確定シフト）を同時に満たすシフトがありません。"
            "確定シフトと契約時間を見直してください。"
        )
        return Solution(status="INFEASIBLE", wall_seconds=wall, problems=problems)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        problems.append(
            "制限時間内にシフト案が見つかりませんでした。制限時間を延ばすか、条件を見直してください。"
        )
        return Solution(status="NO_SOLUTION", wall_seconds=wall, problems=problems)
    if problem.progress:
        problem.progress(3, 4, "結果を整理中")

    # --- persons and break starts --------------------------------------------------------------------
    names = {w.id: w.name for w in problem.workers}
    chosen: dict[tuple[datetime.date, str, str, str], list[int]] = defaultdict(list)
    for (wid, date, office, tcode, s), v in x.items():
        if solver.value(v):
            chosen[date, office, tcode, s].append(wid)
    assignments: list[Assignment] = list(problem.fixed)
    for (date, office, tcode, s), wids in sorted(chosen.items()):
        t = tpl[tcode]
        starts: list[int | None] = []
        for b, var in breaks.get((date, office, tcode, s), []):
            starts += [b] * solver.value(var)
        starts += [None] * (len(wids) - len(starts))
        for wid, slot in zip(sorted(wids, key=lambda i: (names[i], i)), starts, strict=False):
            bs = slot_time(slot, origin) if slot is not None else None
            be = None
            if bs is not None:
                m = minutes_of(bs) + t.break_minutes
                be = datetime.time(m // 60, m % 60)
            assignments.append(
                Assignment(wid, date, tcode, s, t.start, t.end, bs, be, t.paid_minutes, office)
            )
    assignments.sort(key=lambda a: (a.date, a.office, a.start, names.get(a.worker_id, ""), a.worker_id))

    scheduled = coverage(problem, assignments)
    shortfalls: list[Shortfall] = []
    for (date, office, s), req in sorted(problem.required.items()):
        have = scheduled.get((date, office, s), [0] * len(req))
        gap = [max(0, r - h) for r, h in zip(req, have, strict=False)]
        for start, end, peak in _runs(gap, origin):
            reason = "研修修了者なし" if not any(s in w.skills for w in problem.workers) else ""
            shortfalls.append(Shortfall(date, s, start, end, peak, reason, office))

    changes = []
    now = {(a.worker_id, a.date): a.key for a in assignments}
    for (wid, date), before in sorted(problem.previous.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        after = now.get((wid, date))
        if after != before and date in month_dates:
            changes.append((wid, date, "/".join(before) if before else "", "/".join(after) if after else ""))
    under_notes = []
    for var, wid, where in under_vars:
        short_q = solver.value(var)
        if short_q > 0:
            under_notes.append(
                f"{names[wid]}さん {where}: 契約・最低時間に{hours_label(short_q * SLOT_MINUTES)}足りません"
                "（勤務できる日・必要人数の不足のため）。"
            )
    # CP-SAT says OPTIMAL when it stopped at the gap limit too; only a closed gap is reported as optimal (a
    # shortfall under "OPTIMAL" is shown as proved unavoidable).
    proved = status == cp_model.OPTIMAL and solver.objective_value - solver.best_objective_bound < 1e-6
    return Solution(
        status="OPTIMAL" if proved else "FEASIBLE",
        assignments=assignments,
        shortfalls=shortfalls,
        scheduled=scheduled,
        paid_minutes=sum(a.paid_minutes for a in assignments),
        short_slots=sum(
            max(0, r - h)
            for key, req in problem.required.items()
            for r, h in zip(req, scheduled.get(key, []), strict=False)
        ),
        objective=solver.objective_value,
        bound=solver.best_objective_bound,
        wall_seconds=time.monotonic() - started,
        deterministic_seconds=solver.deterministic_time,
        problems=problems,
        changes=changes,
        under_contract=under_notes,
    )


def _search(solver: Any, model: Any, problem: Problem) -> Any:
    """Run the search in a thread; every 2 s the calling thread reports progress through `problem.progress`
    (the job's heartbeat and cancel point, which touches the database: never from CP-SAT's own threads). An
    exception there (a cancel, a killed job) stops the search and is re-raised once it has stopped."""
    import threading

    from ortools.sat.python import cp_model

    class Count(cp_model.CpSolverSolutionCallback):
        def __init__(self) -> None:
            super().__init__()
            self.found = 0

        def on_solution_callback(self) -> None:
            self.found += 1

    count = Count()
    result: dict[str, Any] = {}

    def run() -> None:
        result["status"] = solver.solve(model, count)

    thread = threading.Thread(target=run, name="cp-sat", daemon=True)
    thread.start()
    failure: BaseException | None = None
    while thread.is_alive():
        thread.join(timeout=2.0)
        if thread.is_alive() and problem.progress is not None and failure is None:
            try:
                problem.progress(2, 4, f"シフトを計算中（よりよい案 {count.found} 件目）")
            except BaseException as exc:  # noqa: BLE001 — re-raised below, once the search has stopped
                failure = exc
                solver.stop_search()
    if failure is not None:
        raise failure
    return result["status"]


def coverage(
    problem: Problem, assignments: list[Assignment]
) -> dict[tuple[datetime.date, str, str], list[int]]:
    """People on duty per (date, office, skill) and slot, breaks excluded."""
    n_slots = max((len(v) for v in problem.required.values()), default=0)
    scheduled: dict[tuple[datetime.date, str, str], list[int]] = {
        key: [0] * len(req) for key, req in problem.required.items()
    }
    for a in assignments:
        row = scheduled.setdefault((a.date, a.office, a.skill), [0] * n_slots)
        for q in range(
            max(0, to_slot(a.start, problem.origin)), min(len(row), to_slot(a.end, problem.origin))
        ):
            if a.break_start and a.break_end and a.break_start <= slot_time(q, problem.origin) < a.break_end:
                continue
            row[q] += 1
    return scheduled


def describe_shortfall(s: Shortfall, office_name: str = "") -> str:
    where = f"{office_name} " if office_name else ""
    text = (
        f"{where}{s.date.month}月{s.date.day}日 {s.start:%-H:%M}〜{s.end:%-H:%M} "
        f"{SKILL_LABELS.get(s.skill, s.skill)}が{s.short}人不足"
    )
    return text + (f"（{s.reason}）" if s.reason else "")

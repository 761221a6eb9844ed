"""Replay a day (or a month of days) with a schedule, in SimPy (pure Python, no ORM).

Phones: Poisson arrivals at the forecast rate of each interval; exponential handling times; the number of
operators on duty changes with the schedule (never more than the lines). A call that finds every staffed
line busy rolls over to another line (spec 10(1)②) and creates a callback. Back office: the day's card work
(minutes) arrives spread over the hours the back office works and is worked by the back-office staff on duty; what is left
at closing is the backlog carried into the next day.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

import simpy


@dataclass
class DayInput:
    """Per interval (same length lists): calls per hour, operators on duty, back-office staff on duty."""

    interval_minutes: int
    calls_per_hour: list[float]
    operators: list[int]
    back_office: list[int] = field(default_factory=list)
    back_office_work_minutes: float = 0.0  # card preparation + post-processing arriving this day


@dataclass
class DayResult:
    calls: int = 0
    answered: int = 0
    rolled_over: int = 0
    callbacks: int = 0
    backlog_minutes: float = 0.0
    by_interval: list[tuple[int, int]] = field(default_factory=list)  # (calls, rolled over)

    @property
    def rollover_rate(self) -> float:
        return self.rolled_over / self.calls if self.calls else 0.0


def simulate_day(
    day: DayInput,
    *,
    aht_seconds: float,
    lines: int = 6,
    seed: int = 0,
    backlog_in: float = 0.0,
) -> DayResult:
    rng = random.Random(seed)
    env = simpy.Environment()
    n = len(day.calls_per_hour)
    length = float(day.interval_minutes)
    result = DayResult(by_interval=[(0, 0) for _ in range(n)])
    busy = 0

    def capacity_at(now: float) -> int:
        i = min(n - 1, int(now // length))
        return min(lines, day.operators[i])

    def call(i: int):
        nonlocal busy
        yield env.timeout(rng.expovariate(1.0 / (aht_seconds / 60.0)))
        busy -= 1

    def arrivals():
        nonlocal busy
        for i in range(n):
            rate = day.calls_per_hour[i] / 60.0  # per minute
            end = (i + 1) * length
            if rate <= 0:
                yield env.timeout(end - env.now)
                continue
            while True:
                gap = rng.expovariate(rate)
                if env.now + gap >= end:
                    yield env.timeout(end - env.now)
                    break
                yield env.timeout(gap)
                c, r = result.by_interval[i]
                result.calls += 1
                # A call is lost when every staffed line is busy (operators finishing a call after their
                # interval ends still hold their line until done).
                if busy >= capacity_at(env.now):
                    result.rolled_over += 1
                    result.by_interval[i] = (c + 1, r + 1)
                else:
                    busy += 1
                    result.answered += 1
                    result.by_interval[i] = (c + 1, r)
                    env.process(call(i))

    env.process(arrivals())
    env.run(until=n * length)
    result.callbacks = result.rolled_over

    # Back office: fluid model per interval (work arrives evenly; each person works `length` minutes).
    backlog = backlog_in
    staff = day.back_office or [0] * n
    # Card work comes in during the hours the back office works (not in the evening extension).
    working = [i for i in range(n) if staff[i] > 0] or list(range(n))
    per_interval = day.back_office_work_minutes / len(working) if working else 0.0
    for i in range(n):
        if i in working:
            backlog += per_interval
        backlog = max(0.0, backlog - staff[i] * length)
    result.backlog_minutes = backlog
    return result


@dataclass
class MonthResult:
    days: list[DayResult]

    @property
    def calls(self) -> int:
        return sum(d.calls for d in self.days)

    @property
    def rolled_over(self) -> int:
        return sum(d.rolled_over for d in self.days)

    @property
    def rollover_rate(self) -> float:
        return self.rolled_over / self.calls if self.calls else 0.0

    @property
    def callbacks(self) -> int:
        return sum(d.callbacks for d in self.days)

    @property
    def final_backlog_minutes(self) -> float:
        return self.days[-1].backlog_minutes if self.days else 0.0


def simulate_month(days: list[DayInput], *, aht_seconds: float, lines: int = 6, seed: int = 0) -> MonthResult:
    results = []
    backlog = 0.0
    for i, day in enumerate(days):
        r = simulate_day(day, aht_seconds=aht_seconds, lines=lines, seed=seed * 1000 + i, backlog_in=backlog)
        backlog = r.backlog_minutes
        results.append(r)
    return MonthResult(results)

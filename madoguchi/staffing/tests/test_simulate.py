from __future__ import annotations

import math

from madoguchi.staffing.erlang import erlang_b, offered_load
from madoguchi.staffing.simulate import DayInput, simulate_day, simulate_month


def test_the_simulated_rollover_rate_agrees_with_erlang_b_within_sampling_error() -> None:
    calls_per_hour, aht, agents = 30.0, 240.0, 3
    hours = 600
    day = DayInput(
        interval_minutes=30, calls_per_hour=[calls_per_hour] * (hours * 2), operators=[agents] * (hours * 2)
    )
    result = simulate_day(day, aht_seconds=aht, seed=20260401)
    expected = erlang_b(agents, offered_load(calls_per_hour, aht))  # 0.2105…
    # Losses are positively correlated over time: allow 4 binomial standard errors.
    se = math.sqrt(expected * (1 - expected) / result.calls)
    assert abs(result.rollover_rate - expected) < 4 * se, (result.rollover_rate, expected, se)
    assert result.calls > 0.95 * calls_per_hour * hours
    assert result.callbacks == result.rolled_over


def test_more_operators_mean_fewer_rollovers_on_the_same_seed() -> None:
    rates = []
    for agents in (1, 2, 4, 6):
        day = DayInput(30, [40.0] * 200, [agents] * 200)
        rates.append(simulate_day(day, aht_seconds=300, seed=7).rollover_rate)
    assert rates == sorted(rates, reverse=True)
    assert rates[0] > 0.5 and rates[-1] < 0.1


def test_an_interval_with_nobody_on_the_phones_rolls_every_call_over() -> None:
    day = DayInput(30, [60.0, 60.0], [0, 0])
    result = simulate_day(day, aht_seconds=300, seed=1)
    assert result.calls > 0 and result.rolled_over == result.calls


def test_the_operators_never_exceed_the_six_lines() -> None:
    day = DayInput(30, [200.0] * 100, [10] * 100)
    result = simulate_day(day, aht_seconds=300, seed=3, lines=6)
    expected = erlang_b(6, offered_load(200.0, 300))
    assert abs(result.rollover_rate - expected) < 0.05


def test_back_office_backlog_carries_over_between_days() -> None:
    # 600 minutes of card work a day, one person for 4 hours (240 minutes) → 360 minutes left each day.
    day = DayInput(30, [0.0] * 8, [0] * 8, back_office=[1] * 8, back_office_work_minutes=600)
    month = simulate_month([day, day], aht_seconds=300)
    assert month.days[0].backlog_minutes == 360
    assert month.final_backlog_minutes == 720
    enough = DayInput(30, [0.0] * 8, [0] * 8, back_office=[3] * 8, back_office_work_minutes=600)
    assert simulate_day(enough, aht_seconds=300).backlog_minutes == 0

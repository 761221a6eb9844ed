from __future__ import annotations

import math

import pytest

from madoguchi.staffing.erlang import (
    ErlangInputError,
    erlang_a,
    erlang_b,
    erlang_c,
    offered_load,
    required_agents,
    wait_longer_than_c,
)


def test_erlang_b_matches_the_exact_small_values() -> None:
    assert erlang_b(1, 1.0) == pytest.approx(1 / 2, rel=1e-12)
    assert erlang_b(6, 1.0) == pytest.approx(1 / 1957, rel=1e-12)
    assert erlang_b(6, 2.0) == pytest.approx(0.012085, abs=5e-7)
    assert erlang_b(0, 3.0) == 1.0


def test_erlang_b_matches_the_closed_form_for_a_larger_case() -> None:
    n, a = 30, 25.0
    closed = (a**n / math.factorial(n)) / sum(a**k / math.factorial(k) for k in range(n + 1))
    assert erlang_b(n, a) == pytest.approx(closed, rel=1e-10)


def test_erlang_b_stays_finite_where_factorials_would_overflow() -> None:
    value = erlang_b(1000, 950.0)
    assert 0 < value < 0.1


def test_erlang_c_matches_the_exact_small_value() -> None:
    assert erlang_c(2, 1.0) == pytest.approx(1 / 3, rel=1e-12)
    assert erlang_c(1, 0.5) == pytest.approx(0.5, rel=1e-12)  # M/M/1: P(wait) = ρ
    assert erlang_c(3, 3.0) == 1.0  # unstable


def test_waiting_longer_than_zero_seconds_is_the_erlang_c_probability() -> None:
    assert wait_longer_than_c(4, 2.5, 300, 0) == pytest.approx(erlang_c(4, 2.5))
    assert wait_longer_than_c(4, 2.5, 300, 20) < erlang_c(4, 2.5)


def test_erlang_a_tends_to_b_and_c_at_the_patience_limits() -> None:
    n, a = 4, 3.0
    assert erlang_a(n, a, 1e-6).p_abandon == pytest.approx(erlang_b(n, a), rel=1e-4)
    assert erlang_a(n, a, 1e6).p_wait == pytest.approx(erlang_c(n, a), rel=1e-3)
    assert erlang_a(0, 1.0, 1.0).p_abandon == pytest.approx(1.0)


def test_it_finds_the_smallest_n_without_an_off_by_one_at_small_loads() -> None:
    # A tiny load needs exactly one operator; zero load needs none.
    assert required_agents("b", 0.01, 0.05).agents == 1
    assert required_agents("b", 0.0, 0.05).agents == 0
    # B(1,1)=0.5 > 0.4 but B(2,1)=0.2 ≤ 0.4 → 2; and exactly at the boundary, the boundary N is enough.
    assert required_agents("b", 1.0, 0.4).agents == 2
    assert required_agents("b", 1.0, 0.5).agents == 1
    assert required_agents("c", 1.0, 1 / 3 + 1e-12).agents == 2


def test_the_requirement_is_the_first_n_under_the_target() -> None:
    for load in (0.3, 1.7, 2.9, 4.4):
        req = required_agents("b", load, 0.05)
        assert req.agents is not None
        assert erlang_b(req.agents, load) <= 0.05
        assert req.agents == 0 or erlang_b(req.agents - 1, load) > 0.05


def test_it_says_when_six_lines_cannot_meet_the_target_and_estimates_callbacks() -> None:
    calls_per_hour, aht = 80.0, 300.0
    load = offered_load(calls_per_hour, aht)
    req = required_agents("b", load, 0.01, max_agents=6, calls_per_hour=calls_per_hour, aht_seconds=aht)
    assert not req.met
    assert req.probability == pytest.approx(erlang_b(6, load))
    assert req.lost_calls_per_hour == pytest.approx(calls_per_hour * erlang_b(6, load))
    assert "6回線すべてに配置しても" in req.message
    assert "折り返し" in req.message


def test_bad_input_gets_a_japanese_message() -> None:
    with pytest.raises(ErlangInputError, match="0以上"):
        offered_load(-1, 300)
    with pytest.raises(ErlangInputError, match="平均処理時間"):
        offered_load(10, 0)
    with pytest.raises(ErlangInputError, match="目標"):
        required_agents("b", 1.0, 1.5)
    with pytest.raises(ErlangInputError, match="モデル"):
        required_agents("x", 1.0, 0.05)

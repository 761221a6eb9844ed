"""Queueing formulas for the call center (pure Python, no ORM).

The 6 lines make the call center a loss system: a caller rolls over to another line when every staffed
line is busy (spec 10(1)②), so Erlang B is the model for N ≤ 6 operators. Erlang C (callers wait) and
Erlang A (callers wait but abandon, mean patience θ) are here for other set-ups.

Load A (erlangs) = calls per hour × handling seconds / 3600. Every `target` is the largest acceptable
probability of the bad outcome: roll-over (B), waiting (C; or waiting longer than `answer_seconds`),
abandonment (A).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

MODELS = ("b", "c", "a")


class ErlangInputError(ValueError):
    """Bad input, with a Japanese message for the screen."""


def offered_load(calls_per_hour: float, aht_seconds: float) -> float:
    if calls_per_hour < 0:
        raise ErlangInputError("1時間あたりの呼数は0以上にしてください。")
    if aht_seconds <= 0:
        raise ErlangInputError("平均処理時間（秒）は0より大きくしてください。")
    return calls_per_hour * aht_seconds / 3600.0


def _check(agents: int, load: float) -> None:
    if agents < 0:
        raise ErlangInputError("人数は0以上にしてください。")
    if load < 0 or math.isnan(load):
        raise ErlangInputError("負荷（アーラン）は0以上にしてください。")


def erlang_b(agents: int, load: float) -> float:
    """Probability that a call finds all `agents` busy and is lost (rolls over).

    Stable recursion B(0)=1, B(n) = A·B(n−1) / (n + A·B(n−1)): no factorials, no overflow.
    """
    _check(agents, load)
    b = 1.0
    for n in range(1, agents + 1):
        b = load * b / (n + load * b)
    return b


def erlang_c(agents: int, load: float) -> float:
    """Probability that a call has to wait (M/M/N, infinite patience). 1 when the queue is unstable."""
    _check(agents, load)
    if load == 0:
        return 0.0
    if agents <= load:
        return 1.0
    b = erlang_b(agents, load)
    return agents * b / (agents - load * (1 - b))


def wait_longer_than_c(agents: int, load: float, aht_seconds: float, seconds: float) -> float:
    """P(wait > t) in M/M/N = C · exp(−(N − A)·t / AHT)."""
    c = erlang_c(agents, load)
    if agents <= load:
        return 1.0
    return c * math.exp(-(agents - load) * seconds / aht_seconds)


def average_wait_c(agents: int, load: float, aht_seconds: float) -> float:
    """Mean wait in seconds over all calls (M/M/N); infinite when unstable."""
    if agents <= load:
        return math.inf
    return erlang_c(agents, load) * aht_seconds / (agents - load)


@dataclass(frozen=True)
class ErlangAResult:
    p_wait: float  # P(a call is not answered at once)
    p_abandon: float  # P(a call abandons before it is answered)


def erlang_a(agents: int, load: float, patience_ratio: float) -> ErlangAResult:
    """M/M/N+M (Palm): abandonment rate θ per waiting caller; patience_ratio = mean patience / AHT = μ/θ.

    Stationary birth–death distribution, summed with running ratios (scaled to avoid overflow) until the
    tail is negligible. patience_ratio → ∞ gives Erlang C, → 0 gives Erlang B.
    """
    _check(agents, load)
    if patience_ratio <= 0:
        raise ErlangInputError("平均待ち許容時間は0より大きくしてください。")
    if load == 0:
        return ErlangAResult(0.0, 0.0)
    gamma = 1.0 / patience_ratio  # θ/μ
    # Unnormalised π_n with π_0 = 1, in units where μ = 1 and λ = A.
    term = 1.0  # π_0
    below = 0.0  # Σ π_n for n < N
    for n in range(agents):
        below += term
        term *= load / (n + 1)  # now π_{n+1}; after the loop, π_N
    waiting_mass = 0.0  # Σ π_n for n ≥ N
    abandon_flow = 0.0  # Σ (n−N)·θ·π_n
    k = 0
    while True:
        waiting_mass += term
        abandon_flow += k * gamma * term
        k += 1
        term *= load / (agents + k * gamma)
        if term < 1e-16 * (below + waiting_mass) and k > load:
            break
        if k > 100000:
            break
    total = below + waiting_mass
    p_wait = waiting_mass / total
    p_abandon = abandon_flow / total / load
    return ErlangAResult(p_wait=p_wait, p_abandon=min(1.0, p_abandon))


def probability(
    model: str,
    agents: int,
    load: float,
    *,
    aht_seconds: float = 300.0,
    answer_seconds: float | None = None,
    patience_seconds: float = 120.0,
) -> float:
    """The bad-outcome probability for `model` (see module docstring)."""
    if model == "b":
        return erlang_b(agents, load)
    if model == "c":
        if answer_seconds:
            return wait_longer_than_c(agents, load, aht_seconds, answer_seconds)
        return erlang_c(agents, load)
    if model == "a":
        return erlang_a(agents, load, patience_seconds / aht_seconds).p_abandon
    raise ErlangInputError("モデルは b（呼損）、c（待ち）、a（放棄）のいずれかを指定してください。")


@dataclass
class Requirement:
    """The smallest N meeting a target, with the probability for every N considered."""

    model: str
    load: float
    target: float
    max_agents: int | None
    agents: int | None  # None when no N up to max_agents meets the target
    probability: float  # at `agents`, or at max_agents when the target is not met
    table: list[tuple[int, float]] = field(default_factory=list)
    lost_calls_per_hour: float = 0.0  # B only: calls rolling over at the staffed N (→ callbacks)

    @property
    def met(self) -> bool:
        return self.agents is not None

    @property
    def message(self) -> str:
        if self.met:
            return f"目標を満たす最少人数は{self.agents}人です（確率 {self.probability:.2%}）。"
        return (
            f"{self.max_agents}回線すべてに配置しても目標（{self.target:.1%}）を満たせません"
            f"（{self.max_agents}人での確率 {self.probability:.2%}）。"
            + (
                f"1時間あたり約{self.lost_calls_per_hour:.1f}件が他回線へ回り、折り返しが必要になります。"
                if self.model == "b"
                else ""
            )
        )


def required_agents(
    model: str,
    load: float,
    target: float,
    *,
    max_agents: int | None = None,
    calls_per_hour: float | None = None,
    aht_seconds: float = 300.0,
    answer_seconds: float | None = None,
    patience_seconds: float = 120.0,
) -> Requirement:
    """Smallest N ≥ 0 with probability(N) ≤ target, searched upward from N = 0 (no rounding of the load first,
    so a tiny load needs exactly 1 and zero load needs 0). With `max_agents` (the 6 lines), say when even
    that many cannot meet the target and estimate the calls lost per hour."""
    if model not in MODELS:
        raise ErlangInputError("モデルは b（呼損）、c（待ち）、a（放棄）のいずれかを指定してください。")
    if not 0 < target < 1:
        raise ErlangInputError("目標の確率は0より大きく1より小さい値（例: 0.05）にしてください。")
    if load < 0:
        raise ErlangInputError("負荷（アーラン）は0以上にしてください。")
    if calls_per_hour is None:
        calls_per_hour = load * 3600.0 / aht_seconds
    limit = max_agents if max_agents is not None else max(10, int(load * 3) + 20)
    table: list[tuple[int, float]] = []
    found: int | None = None
    for n in range(0, limit + 1):
        p = (
            0.0
            if load == 0
            else probability(
                model,
                n,
                load,
                aht_seconds=aht_seconds,
                answer_seconds=answer_seconds,
                patience_seconds=patience_seconds,
            )
        )
        table.append((n, p))
        if p <= target and found is None:
            found = n
            if max_agents is None:
                break
    at = found if found is not None else limit
    p_at = table[at][1]
    lost = calls_per_hour * p_at if model == "b" else 0.0
    return Requirement(model, load, target, max_agents, found, p_at, table, lost)

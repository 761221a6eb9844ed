from __future__ import annotations

from typing import Any

from ninja import Query, Router, Schema
from ninja.errors import HttpError

from . import erlang
from .forecast import LINES

router = Router(tags=["staffing"])

# Input bounds of the Erlang calculator (far above a city call center: 6 lines, a few hundred calls an hour).
MAX_CALLS_PER_HOUR = 5000
MAX_AHT_SECONDS = 3600
MAX_AGENTS = 300
MAX_LOAD_ERLANGS = 300


class PerAgents(Schema):
    agents: int
    probability: float


class ErlangOut(Schema):
    model: str
    calls_per_hour: float
    aht_seconds: float
    load_erlangs: float
    target: float | None
    max_agents: int | None
    required_agents: int | None
    target_met: bool | None
    probability_at_required: float | None
    lost_calls_per_hour: float | None
    agents: int | None
    probability_at_agents: float | None
    table: list[PerAgents]
    message: str


@router.get("/staffing/erlang", response=ErlangOut, summary="アーランB/C/Aの計算（職員のみ）")
def erlang_api(
    request,
    # Bounds keep every answer finite and quick (a 422 in Japanese otherwise): never a hang, never NaN.
    calls_per_hour: float = Query(..., ge=0, le=MAX_CALLS_PER_HOUR, allow_inf_nan=False),
    aht_seconds: float = Query(..., gt=0, le=MAX_AHT_SECONDS, allow_inf_nan=False),
    model: str = Query("b", max_length=1),
    agents: int | None = Query(None, ge=0, le=MAX_AGENTS),
    target: float | None = Query(None, gt=0, lt=1, allow_inf_nan=False),
    max_agents: int | None = Query(None, ge=1, le=MAX_AGENTS),
    answer_seconds: float | None = Query(None, ge=0, le=MAX_AHT_SECONDS, allow_inf_nan=False),
    patience_seconds: float = Query(120.0, gt=0, le=MAX_AHT_SECONDS, allow_inf_nan=False),
):
    """Probabilities for N agents, and with `target` (0–1, e.g. 0.05) the smallest N meeting it.

    Model b caps N at the 6 lines unless `max_agents` says otherwise."""
    if not request.user.has_perm("staffing.use_erlang"):
        raise HttpError(403, "この操作を行う権限がありません。")
    model = model.lower()
    try:
        load = erlang.offered_load(calls_per_hour, aht_seconds)
        if load > MAX_LOAD_ERLANGS:
            raise HttpError(
                422,
                f"呼量が大きすぎます（calls_per_hour × aht_seconds ÷ 3600 = {load:.0f} アーラン、"
                f"上限 {MAX_LOAD_ERLANGS}）。",
            )
        if agents is None and target is None:
            raise erlang.ErlangInputError("agents か target のどちらかを指定してください。")
        kwargs: dict[str, Any] = {
            "aht_seconds": aht_seconds,
            "answer_seconds": answer_seconds,
            "patience_seconds": patience_seconds,
        }
        if model not in erlang.MODELS:
            raise erlang.ErlangInputError("model は b、c、a のいずれかを指定してください。")
        at = erlang.probability(model, agents, load, **kwargs) if agents is not None else None
        req = None
        if target is not None:
            cap = max_agents if max_agents is not None else (LINES if model == "b" else MAX_AGENTS)
            req = erlang.required_agents(
                model, load, target, max_agents=cap, calls_per_hour=calls_per_hour, **kwargs
            )
    except erlang.ErlangInputError as exc:
        raise HttpError(400, str(exc)) from exc
    table = req.table if req else []
    return {
        "model": model,
        "calls_per_hour": calls_per_hour,
        "aht_seconds": aht_seconds,
        "load_erlangs": load,
        "target": target,
        "max_agents": req.max_agents if req else max_agents,
        "required_agents": req.agents if req else None,
        "target_met": req.met if req else None,
        "probability_at_required": req.probability if req else None,
        "lost_calls_per_hour": req.lost_calls_per_hour if req else None,
        "agents": agents,
        "probability_at_agents": at,
        "table": [{"agents": n, "probability": p} for n, p in table],
        "message": req.message if req else f"{agents}人での確率 {at:.2%}",
    }

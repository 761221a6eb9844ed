"""Incidents JSON: the month summary and the open incidents (ids, kinds and states; never the description)."""

from __future__ import annotations

from typing import Any

from ninja import Router
from ninja.errors import HttpError

from . import services
from .models import Incident

router = Router(tags=["incidents"])


def _require(request, perm: str) -> None:
    if not request.user.has_perm(perm):
        raise HttpError(403, "この操作を行う権限がありません。")


@router.get("/incidents/summary", summary="トラブル・苦情の月次集計")
def summary(request, year: int, month: int) -> dict[str, Any]:
    _require(request, "incidents.view_incident")
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        raise HttpError(400, "年月が正しくありません（例: year=2026&month=6）。")
    result = services.month_summary(year=year, month=month)
    result["by_severity"] = {str(k): v for k, v in result["by_severity"].items()}
    return result


@router.get("/incidents/open", summary="対応中のトラブル・苦情")
def open_incidents(request) -> list[dict[str, Any]]:
    _require(request, "incidents.view_incident")
    return [
        {
            "id": i.pk,
            "occurred_at": i.occurred_at.isoformat(),
            "category": i.category,
            "severity": i.severity,
            "summary": i.summary,
            "anti_social": i.anti_social,
            "city_notified": i.city_notified_at is not None,
            "police_reported": i.police_reported_at is not None,
        }
        for i in Incident.objects.open().order_by("-severity", "-occurred_at")
    ]

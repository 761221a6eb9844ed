"""Outreach JSON: the month summary (the reports app calls the service directly; this is for other tools)."""

from __future__ import annotations

from typing import Any

from ninja import Router
from ninja.errors import HttpError

from . import services

router = Router(tags=["outreach"])


@router.get("/outreach/summary", summary="出張申請の月次集計")
def summary(request, year: int, month: int) -> dict[str, Any]:
    if not request.user.has_perm("outreach.view_outreachevent"):
        raise HttpError(403, "この操作を行う権限がありません。")
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        raise HttpError(400, "年月が正しくありません（例: year=2026&month=6）。")
    result = services.month_summary(year=year, month=month)
    for item in result["items"]:
        item["by_window"] = {str(k): v for k, v in item["by_window"].items()}
    return result

"""Floor guidance JSON: today's counts for a screen elsewhere (e.g. a hall display), and a tap from another device."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone
from ninja import Router, Schema, Status
from ninja.errors import HttpError

from madoguchi.calendar.models import Office

from . import services

router = Router(tags=["floor"])


class HourOut(Schema):
    hour: int
    total: int
    counts: dict[str, int]


class CountsOut(Schema):
    office: str
    date: datetime.date
    total: int
    by_purpose: dict[str, int]
    hours: list[HourOut]


class TapIn(Schema):
    office: str
    purpose: str


def _office(code: str) -> Office:
    office = Office.objects.active().filter(code=code).first()
    if office is None:
        raise HttpError(404, f"庁舎コード「{code}」は見つかりません。")
    return office


def _counts(office: Office, date: datetime.date) -> dict[str, object]:
    from .models import Purpose

    counts = services.day_counts(office=office, date=date)
    keys = [p.value for p in Purpose]
    return {
        "office": office.code,
        "date": date,
        "total": counts["total"],
        "by_purpose": counts["by_purpose"],
        "hours": [
            {"hour": h["hour"], "total": h["total"], "counts": dict(zip(keys, h["counts"], strict=True))}
            for h in counts["hours"]
        ],
    }


@router.get("/floor/counts", response=CountsOut, summary="フロア案内の人数（用件別・時間帯別）")
def counts(request, office: str, date: datetime.date | None = None):
    if not request.user.has_perm("floor.view_guidancetap"):
        raise HttpError(403, "この操作を行う権限がありません。")
    return _counts(_office(office), date or timezone.localdate())


@router.post("/floor/taps", response={201: CountsOut}, summary="フロア案内を1人記録")
def tap(request, payload: TapIn):
    if not request.user.has_perm("floor.add_guidancetap"):
        raise HttpError(403, "この操作を行う権限がありません。")
    office = _office(payload.office)
    try:
        services.guidance_tap(by=request.user, office=office, purpose=payload.purpose)
    except ValidationError as exc:
        raise HttpError(400, f"用件「{payload.purpose}」は登録されていません。") from exc
    return Status(201, _counts(office, timezone.localdate()))

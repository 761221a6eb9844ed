from __future__ import annotations

import datetime

from ninja import Query, Router, Schema
from ninja.errors import HttpError

from . import services
from .models import Office

router = Router(tags=["calendar"])


class DayOut(Schema):
    date: datetime.date
    office: str
    open: bool
    opens: str | None
    closes: str | None
    kind: str
    reason: str


MAX_DAYS = 400


@router.get("/calendar", response=list[DayOut], auth=None, summary="庁舎の開庁日・開庁時間（公開）")
def calendar(
    request,
    office: str,
    date_from: datetime.date = Query(..., alias="from"),
    date_to: datetime.date = Query(..., alias="to"),
):
    """Each day's opening hours or `closed` with the reason. Public: a city website may show it."""
    obj = Office.objects.active().filter(code=office).first()
    if obj is None:
        raise HttpError(404, f"庁舎コード「{office}」は見つかりません。")
    if date_to < date_from:
        raise HttpError(400, "to は from 以降の日付にしてください。")
    if (date_to - date_from).days >= MAX_DAYS:
        raise HttpError(400, f"一度に取得できるのは{MAX_DAYS}日までです。")
    return [h.as_dict() for h in services.hours_range(obj, date_from, date_to)]

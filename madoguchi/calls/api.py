"""CTI events from the PBX (token), and call figures for integrations (session, same permissions as screens)."""

from __future__ import annotations

import datetime
import hmac
import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema
from ninja.errors import HttpError
from ninja.security import HttpBearer

from . import services

logger = logging.getLogger(__name__)

router = Router(tags=["calls"])


class CtiToken(HttpBearer):
    """`Authorization: Bearer <MADOGUCHI_CTI_TOKEN>`; an unset token refuses every request."""

    def authenticate(self, request: HttpRequest, token: str) -> str | None:
        expected = settings.MADOGUCHI_CTI_TOKEN or ""
        if expected and hmac.compare_digest(token.encode(), expected.encode()):
            return "cti"
        return None


class CtiEventIn(Schema):
    event: str = Field(..., description="newCall / answer / hangup / overflow")
    callId: str = Field(..., max_length=100, description="PBX の通話 ID（Asterisk の ${UNIQUEID} など）")
    time: str | float = Field(..., description="ISO 8601（タイムゾーンなしは日本時間）または Unix 秒")
    line: int | None = Field(None, description="回線番号 1〜6（overflow では省略可）")
    direction: str = Field("", description="inbound / outbound")
    from_: str = Field("", alias="from", description="発信元の番号")
    to: str = Field("", description="着信先の番号")
    extension: str = Field(
        "",
        max_length=20,
        description="応答した内線（answer）: その内線にサインイン中のオペレーターにだけ表示",
    )
    cause: str = Field("", description="終話の理由（hangup）: answered / busy / no_answer / caller_hung_up")


class CtiEventOut(Schema):
    ok: bool
    applied: bool = Field(..., description="false: 同じ callId・event は受信済み（何も変更していない）")
    call: int
    status: str
    duration_seconds: int | None
    callback: int | None


FUTURE_SKEW = datetime.timedelta(minutes=5)


def _refuse_far_times(at: datetime.datetime) -> None:
    """A PBX clock years off (1970, 2031) must not file calls in another month: refuse, and say why."""
    now = timezone.now()
    oldest = now - datetime.timedelta(hours=settings.MADOGUCHI_CTI_MAX_EVENT_AGE_HOURS)
    if not oldest <= at <= now + FUTURE_SKEW:
        local = timezone.localtime(at)
        raise ValidationError(
            {
                "time": [
                    f"time（{local:%Y-%m-%d %H:%M}）が現在時刻から離れすぎています（過去"
                    f"{settings.MADOGUCHI_CTI_MAX_EVENT_AGE_HOURS}時間〜5分後まで受け付けます）。PBX の時計を確認してください。"
                ]
            }
        )


def _message(exc: ValidationError) -> str:
    if hasattr(exc, "message_dict"):
        return " ".join(f"{field}: {' '.join(msgs)}" for field, msgs in exc.message_dict.items())
    return " ".join(exc.messages)


@router.post(
    "/cti/events",
    response=CtiEventOut,
    auth=CtiToken(),
    summary="PBX（CTI）からの通話イベント",
    openapi_extra={
        "responses": {400: {"description": "不正なイベント"}, 401: {"description": "トークン不正"}}
    },
)
def cti_events(request: HttpRequest, payload: CtiEventIn) -> dict[str, Any]:
    """One event: newCall, answer, hangup or overflow. Repeats (same callId and event) are accepted
    and change nothing; events may arrive in any order. An overflow becomes a callback."""
    try:
        at = services.parse_event_time(payload.time)
        _refuse_far_times(at)
        result = services.cti_event_apply(
            kind=payload.event,
            call_id=payload.callId,
            at=at,
            line=payload.line,
            direction=payload.direction,
            from_number=payload.from_,
            to_number=payload.to,
            extension=payload.extension,
            cause=payload.cause,
        )
    except ValidationError as exc:
        logger.info("CTI event refused: event=%s", payload.event[:20])
        raise HttpError(400, _message(exc)) from None
    return {
        "ok": True,
        "applied": result.applied,
        "call": result.call.pk,
        "status": result.call.status,
        "duration_seconds": result.call.duration_seconds,
        "callback": result.callback.pk if result.callback else None,
    }


class CtiWebhookOut(Schema):
    ok: bool
    ignored: bool = Field(..., description="true: madoguchi が使わない種類のイベント（何も変更していない）")
    applied: bool = False
    call: int | None = None


@router.post(
    "/cti/webhook",
    response=CtiWebhookOut,
    auth=CtiToken(),
    summary="クラウドPBXの Webhook（項目名は MADOGUCHI_CTI_WEBHOOK_MAP で対応付け）",
    openapi_extra={
        "responses": {400: {"description": "不正なイベント"}, 401: {"description": "トークン不正"}}
    },
)
def cti_webhook(request: HttpRequest) -> dict[str, Any]:
    """A cloud PBX's own JSON, mapped by MADOGUCHI_CTI_WEBHOOK_MAP onto the CTI event (docs/calls.md)."""
    import json

    from .webhook import map_webhook

    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        raise HttpError(400, "本文が JSON として読めません。") from None
    if not isinstance(body, dict):
        raise HttpError(400, "本文は JSON オブジェクトにしてください。")
    try:
        event = map_webhook(body, settings.MADOGUCHI_CTI_WEBHOOK_MAP)
        if event is None:
            return {"ok": True, "ignored": True}
        at = services.parse_event_time(event["time"])
        _refuse_far_times(at)
        result = services.cti_event_apply(
            kind=event["event"],
            call_id=event["callId"],
            at=at,
            line=event["line"],
            direction=event["direction"],
            from_number=event["from"],
            to_number=event["to"],
            extension=event["extension"],
            cause=event["cause"],
        )
    except ValidationError as exc:
        logger.info("CTI webhook refused")
        raise HttpError(400, _message(exc)) from None
    return {"ok": True, "ignored": False, "applied": result.applied, "call": result.call.pk}


class MonthlyCountsOut(Schema):
    year: int
    month: int
    reservation: int
    card_inquiry: int
    other: int
    total: int
    unclassified: int
    overflow: int


@router.get(
    "/calls/monthly",
    response=MonthlyCountsOut,
    summary="月別入電件数（予約 / カードに関する問合せ / その他 / 計）",
)
def calls_monthly(request: HttpRequest, year: int, month: int) -> dict[str, Any]:
    if not request.user.has_perm("calls.view_call"):
        raise HttpError(403, "通話記録を閲覧する権限がありません。")
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        raise HttpError(400, "year と month を確認してください（month は1〜12）。")
    return {"year": year, "month": month, **services.monthly_counts(year=year, month=month)}

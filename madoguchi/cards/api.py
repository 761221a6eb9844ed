"""Cards JSON API: look up a card, apply a transition, list a queue — same permissions as the screens."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone
from ninja import Router, Schema
from ninja.errors import HttpError

from madoguchi.accounts.models import AuditEvent
from madoguchi.accounts.services import audit_record
from madoguchi.calendar.models import Office

from . import queues, services
from .models import Card

router = Router(tags=["cards"])


def _require(request, perm: str) -> None:
    if not request.user.has_perm(perm):
        raise HttpError(403, "この操作を行う権限がありません。")


class CardOut(Schema):
    id: int
    notice_number: str
    application_id: str
    kind: str
    method: str
    state: str
    state_label: str
    pickup_office: str
    storage_location: str | None
    holding_deadline: datetime.date | None
    issued_on: datetime.date | None
    can_be_booked: bool


class CardDetailOut(CardOut):
    applicant_name: str
    applicant_kana: str


def _out(card: Card, *, personal: bool = False) -> dict:
    data = {
        "id": card.pk,
        "notice_number": card.notice_number,
        "application_id": card.application_id,
        "kind": card.kind,
        "method": card.method,
        "state": card.state,
        "state_label": card.get_state_display(),
        "pickup_office": card.pickup_office.code,
        "storage_location": card.storage_location.code if card.storage_location else None,
        "holding_deadline": card.holding_deadline,
        "issued_on": card.issued_on,
        "can_be_booked": card.can_be_booked,
    }
    if personal:
        data |= {"applicant_name": card.applicant_name, "applicant_kana": card.applicant_kana}
    return data


class LookupIn(Schema):
    notice_number: str
    birth_date: datetime.date


# POST, not GET: a birth date in a query string would land in access logs and proxies.
@router.post("/cards/lookup", response=CardDetailOut, summary="カードを探す（交付通知書番号＋生年月日）")
def lookup(request, payload: LookupIn):
    """Both must match (as on the phone). 404 when nothing matches; the lookup is audited."""
    _require(request, "cards.view_card")
    card = services.card_find(notice_number=payload.notice_number, birth_date=payload.birth_date)
    audit_record(
        actor=request.user,
        action=AuditEvent.Action.SEARCH,
        object_type="cards.card",
        object_id=card.pk if card else "",
        request=request,
        detail={"api": True, "found": card is not None},
    )
    if card is None:
        raise HttpError(404, "該当するカードがありません（交付通知書番号と生年月日を確認してください）。")
    return _out(card, personal=True)


class TransitionIn(Schema):
    notice_number: str
    to_state: str
    note: str = ""
    office: str | None = None
    storage_location: str | None = None


class TransitionOut(Schema):
    event: int
    card: CardOut


@router.post("/cards/transition", response=TransitionOut, summary="カードの状態を変更する")
def transition(request, payload: TransitionIn):
    _require(request, "cards.transition_card")
    card = services.card_by_notice(payload.notice_number)
    if card is None:
        raise HttpError(404, f"交付通知書番号 {payload.notice_number} のカードはありません。")
    office = None
    if payload.office:
        office = Office.objects.filter(code=payload.office).first()
        if office is None:
            raise HttpError(400, f"庁舎コード「{payload.office}」はありません。")
    location = None
    if payload.storage_location:
        location = services.storage_location_by_code(payload.storage_location)
        if location is None:
            raise HttpError(400, f"収納場所「{payload.storage_location}」はありません。")
    try:
        event = services.card_transition(
            card=card,
            to_state=payload.to_state,
            by=request.user,
            office=office,
            note=payload.note,
            storage_location=location,
        )
    except ValidationError as exc:
        raise HttpError(409, exc.messages[0]) from None
    return {"event": event.pk, "card": _out(card)}


class QueueOut(Schema):
    key: str
    label: str
    count: int
    minutes: int
    cards: list[CardOut]


@router.get("/cards/queues/{key}", response=QueueOut, summary="作業キューの一覧（収納場所順）")
def queue(request, key: str, office: str | None = None, limit: int = 200):
    _require(request, "cards.view_queue")
    today = timezone.localdate()
    found = {q.key: q for q in queues.all_queues(today)}
    if key not in found:
        raise HttpError(404, f"作業キュー「{key}」はありません（{', '.join(found)}）。")
    office_obj = Office.objects.filter(code=office).first() if office else None
    if office and office_obj is None:
        raise HttpError(400, f"庁舎コード「{office}」はありません。")
    qs = queues.queue_cards(key, today=today, office=office_obj)
    cards = list(qs[: max(1, min(limit, 1000))])
    q = found[key]
    return {
        "key": key,
        "label": q.label,
        "count": qs.count(),
        "minutes": qs.count() * q.minutes_per_card,
        "cards": [_out(c) for c in cards],
    }

"""JSON API of the booking engine: slots, book, change, cancel, check-in. Same permissions as the screens.

Authentication is the staff session (with CSRF), as for every madoguchi API operation. A full slot answers
409 with 満席; any other refusal 400 with the Japanese reason; nothing is changed in either case.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from ninja import Router, Schema, Status
from ninja.errors import HttpError

from madoguchi.accounts.models import AuditEvent
from madoguchi.accounts.services import audit_record
from madoguchi.calendar.models import Office
from madoguchi.cards.models import Card

from . import services
from .models import AppointmentType, Reservation, Slot

router = Router(tags=["reservations"])


def _need(request, perm: str) -> None:
    if not request.user.has_perm(perm):
        raise HttpError(403, "この操作を行う権限がありません。")


def _refuse(exc: ValidationError) -> HttpError:
    status = 409 if isinstance(exc, services.SlotFullError) else 400
    return HttpError(status, exc.messages[0])


class SlotOut(Schema):
    id: int
    office: str
    date: datetime.date
    start: str
    end: str
    capacity: int
    booked: int
    free: int


def _slot_out(s: Slot, office_code: str) -> dict[str, object]:
    return {
        "id": s.pk,
        "office": office_code,
        "date": s.date,
        "start": s.start.strftime("%H:%M"),
        "end": s.end.strftime("%H:%M"),
        "capacity": s.capacity,
        "booked": s.booked,
        "free": s.free,
    }


class CardIn(Schema):
    notice_number: str
    birth_date: datetime.date


class BookIn(Schema):
    slot: int
    cards: list[CardIn]
    email: str = ""
    reminder_opt_out: bool = False


class AppointmentIn(Schema):
    type: str
    slot: int
    people: int = 1
    name: str = ""
    birth_date: datetime.date
    phone: str = ""
    expiry_notice_number: str = ""
    email: str = ""


class TypeOut(Schema):
    code: str
    name: str
    duration_slots: int
    bring: list[str]
    identification: str
    web_bookable: bool
    max_people: int


class ChangeIn(Schema):
    slot: int


class CancelIn(Schema):
    note: str = ""


class ReservationOut(Schema):
    code: str
    type: str
    display_code: str
    status: str
    office: str
    date: datetime.date
    start: str | None
    end: str | None
    people: int
    channel: str


def _out(r: Reservation) -> dict[str, object]:
    return {
        "code": r.code,
        "type": r.appointment_type.code if r.appointment_type else AppointmentType.PICKUP,
        "display_code": r.display_code,
        "status": r.status,
        "office": r.office.code,
        "date": r.date,
        "start": r.slot.start.strftime("%H:%M") if r.slot else None,
        "end": r.slot.end.strftime("%H:%M") if r.slot else None,
        "people": r.party_size,
        "channel": r.channel,
    }


def _card_for_booking(notice_number: str, birth_date: datetime.date) -> Card | None:
    """`cards.services.card_find`'s match — the cards' own keyed hash of notice number + birth date
    (`Card.refresh_hashes`) — loading only what a booking reads (id, number, state, pickup office): no personal
    field is decrypted, no storage location joined. bench/reservations_profile.py: card_find was a third of the
    API booking's own CPU."""
    if not (notice_number or "").strip() or birth_date is None:
        return None
    probe = Card(notice_number=notice_number, birth_date=birth_date)  # type: ignore[misc]  # encrypted field
    probe.refresh_hashes()
    return (
        Card.objects.filter(notice_birth_hash=probe.notice_birth_hash)
        .select_related("pickup_office")
        .only("pk", "notice_number", "state", "pickup_office")
        .first()
    )


def _reservation(code: str) -> Reservation:
    found = services.reservation_by_code(code)
    if found is None:
        raise HttpError(404, f"予約番号「{code}」の予約は見つかりません。")
    return found


def _slot(pk: int) -> Slot:
    found = Slot.objects.select_related("office").filter(pk=pk).first()
    if found is None:
        raise HttpError(400, f"予約枠 {pk} は見つかりません。")
    return found


@router.get("/reservations/ping", summary="疎通確認（ベンチマークの比較用）")
def ping(request):
    return {"ok": True}


@router.get("/reservations/slots", response=list[SlotOut], summary="空き枠（人数分の空きがある枠）")
def slots(request, office: str, people: int = 1, date: datetime.date | None = None, limit: int = 50):
    """Read only (the slots are made by the sync job): one query for the slots, one more only for an unknown office."""
    _need(request, "reservations.view_slot")
    if not 1 <= people <= 20:
        raise HttpError(400, "人数は1〜20で指定してください。")
    if not 1 <= limit <= 500:  # API input bounds (issue 12): a negative limit was a server error
        raise HttpError(400, "limit は 1〜500 で指定してください。")
    found = services.slots_free_by_code(office_code=office, people=people, date=date, limit=limit)
    if not found and not Office.objects.active().filter(code=office).exists():
        raise HttpError(404, f"庁舎コード「{office}」は見つかりません。")
    return [_slot_out(s, office) for s in found]


@router.post(
    "/reservations", response={201: ReservationOut}, summary="予約する（カードは交付通知書番号＋生年月日）"
)
def book(request, payload: BookIn):
    _need(request, "reservations.book_reservation")
    """One transaction: the booking's audit row also records the card search (by notice number + birth date);
    a refused booking records the search on its own."""
    if not payload.cards:
        raise HttpError(400, "cards: 予約するカードを1枚以上指定してください。")
    cards: list[Card] = []

    def searched() -> None:
        audit_record(
            actor=request.user,
            action=AuditEvent.Action.SEARCH,
            object_type="cards.card",
            request=request,
            detail={"api": "book", "found": len(cards)},
        )

    for i, item in enumerate(payload.cards, start=1):
        card = _card_for_booking(item.notice_number, item.birth_date)
        if card is None:
            searched()
            raise HttpError(400, f"cards[{i}]: 交付通知書番号と生年月日に一致するカードがありません。")
        cards.append(card)
    try:
        r = services.reservation_book(
            cards=cards,
            slot=Slot(pk=payload.slot),
            by=request.user,
            channel=Reservation.Channel.API,
            email=payload.email,
            reminder_opt_out=payload.reminder_opt_out,
            audit_detail={"search": "notice_birth", "found": len(cards)},
        )
    except ValidationError as exc:
        searched()
        raise _refuse(exc) from None
    return Status(201, _out(r))


@router.get("/reservations/types", response=list[TypeOut], summary="予約の種類（持ち物・所要枠数・本人確認）")
def types(request):
    _need(request, "reservations.view_slot")
    return [
        {
            "code": t.code,
            "name": t.name,
            "duration_slots": t.duration_slots,
            "bring": t.bring_list,
            "identification": t.identification,
            "web_bookable": t.web_bookable,
            "max_people": t.max_people,
        }
        for t in AppointmentType.objects.active()
    ]


@router.post(
    "/reservations/appointments",
    response={201: ReservationOut},
    summary="受け取り以外の種類を予約する（氏名＋生年月日＋電話番号、または有効期限通知書の番号＋生年月日）",
)
def book_appointment(request, payload: AppointmentIn):
    _need(request, "reservations.book_reservation")
    atype = AppointmentType.objects.filter(code=payload.type, is_active=True).first()
    if atype is None or atype.is_pickup:
        raise HttpError(
            400, f"type: 予約の種類「{payload.type}」はありません（受け取りは POST /api/reservations）。"
        )
    try:
        r = services.appointment_book(
            appointment_type=atype,
            slot=Slot(pk=payload.slot),
            by=request.user,
            channel=Reservation.Channel.API,
            person=services.Person(
                name=payload.name,
                birth_date=payload.birth_date,
                phone=payload.phone,
                expiry_notice_number=payload.expiry_notice_number,
            ),
            people=payload.people,
            email=payload.email,
        )
    except ValidationError as exc:
        raise _refuse(exc) from None
    return Status(201, _out(r))


@router.get("/reservations/{code}", response=ReservationOut, summary="予約を見る")
def get(request, code: str):
    _need(request, "reservations.view_reservation")
    r = _reservation(code)
    audit_record(
        actor=request.user, action=AuditEvent.Action.VIEW, obj=r, request=request, detail={"api": True}
    )
    return _out(r)


@router.post("/reservations/{code}/change", response=ReservationOut, summary="日時を変更する")
def change(request, code: str, payload: ChangeIn):
    _need(request, "reservations.book_reservation")
    try:
        r = services.reservation_change(
            reservation=_reservation(code),
            slot=_slot(payload.slot),
            by=request.user,
            channel=Reservation.Channel.API,
        )
    except ValidationError as exc:
        raise _refuse(exc) from None
    return _out(r)


@router.post("/reservations/{code}/cancel", response=ReservationOut, summary="取り消す")
def cancel(request, code: str, payload: CancelIn | None = None):
    _need(request, "reservations.book_reservation")
    try:
        r = services.reservation_cancel(
            reservation=_reservation(code),
            by=request.user,
            channel=Reservation.Channel.API,
            note=payload.note if payload else "",
        )
    except ValidationError as exc:
        raise _refuse(exc) from None
    return _out(r)


@router.post("/reservations/{code}/check-in", response=ReservationOut, summary="来庁受付")
def check_in(request, code: str):
    _need(request, "reservations.counter_reservation")
    try:
        r = services.reservation_check_in(reservation=_reservation(code), by=request.user)
    except ValidationError as exc:
        raise _refuse(exc) from None
    return _out(r)

"""Reads other apps may use (typed, published): import these directly, never the views or URL names.

Counts per appointment type (staffing, the monthly report) carry no personal data.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, Sum
from django.urls import reverse
from django.utils import timezone

from madoguchi.accounts.models import User
from madoguchi.calendar.models import Office
from madoguchi.cards.models import Card
from madoguchi.cards.services import card_find, card_find_by_kana
from madoguchi.lib.jdates import format_date

from .models import AppointmentType, Reservation, ReservationCard, Slot

BOOK_PERMISSION = "reservations.book_reservation"
R = Reservation.Status
# Bookings that were made and not withdrawn (a hold that expired or a cancelled booking is not one).
_MADE = (R.BOOKED, R.CHECKED_IN, R.ISSUED, R.NO_SHOW)


@dataclass(frozen=True)
class TypeCount:
    """One appointment type over a date range (by appointment date)."""

    code: str
    name: str
    booked: int  # reservations made and not cancelled (booked, came, done, no-show)
    people: int  # people in them
    came: int  # checked in or done
    done: int  # handed over / served (交付・対応済)
    no_show: int
    cancelled: int
    walk_in: int  # visitors without a booking (pickups only)


def appointment_counts(
    *, start: datetime.date, end: datetime.date, office: Office | None = None
) -> list[TypeCount]:
    """Per type (every type, in display order, zeros included): bookings, people, came, done, no-shows,
    cancellations and walk-ins with appointment dates in [start, end]. Two queries."""
    qs = Reservation.objects.filter(date__range=(start, end))
    if office is not None:
        qs = qs.filter(office=office)
    rows: dict[int, dict[str, Any]] = {
        row["appointment_type"]: dict(row)
        for row in qs.values("appointment_type").annotate(
            booked=Count("pk", filter=Q(status__in=_MADE, is_walk_in=False)),
            people=Sum("party_size", filter=Q(status__in=_MADE, is_walk_in=False)),
            came=Count("pk", filter=Q(status__in=(R.CHECKED_IN, R.ISSUED), is_walk_in=False)),
            done=Count("pk", filter=Q(status=R.ISSUED)),
            no_show=Count("pk", filter=Q(status=R.NO_SHOW)),
            cancelled=Count("pk", filter=Q(status=R.CANCELLED)),
            walk_in=Count("pk", filter=Q(is_walk_in=True)),
        )
    }
    result = []
    for atype in AppointmentType.objects.order_by("sort_order", "pk"):
        row: dict[str, Any] = rows.get(atype.pk, {})
        result.append(
            TypeCount(
                code=atype.code,
                name=atype.name,
                booked=row.get("booked", 0) or 0,
                people=row.get("people", 0) or 0,
                came=row.get("came", 0) or 0,
                done=row.get("done", 0) or 0,
                no_show=row.get("no_show", 0) or 0,
                cancelled=row.get("cancelled", 0) or 0,
                walk_in=row.get("walk_in", 0) or 0,
            )
        )
    return result


def appointment_load(
    *, office: Office, start: datetime.date, end: datetime.date
) -> dict[tuple[datetime.date, str], int]:
    """(date, type code) → people booked at the office (for staffing: expected visitors per type and day)."""
    rows = (
        Reservation.objects.filter(
            office=office, date__range=(start, end), status__in=_MADE, is_walk_in=False
        )
        .values_list("date", "appointment_type__code")
        .annotate(people=Sum("party_size"))
    )
    return {(date, code or AppointmentType.PICKUP): people or 0 for date, code, people in rows}


def operator_desk_url(user: User) -> str | None:
    """The operator's booking desk (find a card, book, change, cancel), or None for a user who may not book."""
    if not user.has_perm(BOOK_PERMISSION):
        return None
    return reverse("reservations:operator")


# -- the booking panel of the call screen (calls): cards and slots as plain values, no Card objects ----------


@dataclass(frozen=True)
class PhoneCard:
    """A card as the operator on the phone needs it: who, where, and whether it can be booked now.

    `reason` is a short label for a card that cannot be booked (未到着, 既に予約あり, 交付済み, 受取期限切れ, …)
    and `tell` what to say to the caller; `note` is a warning for a card that can be booked (past its holding
    period but still collectable)."""

    card_id: int
    notice_number: str
    name: str
    office_id: int
    office_name: str
    state: str  # the card's state, in Japanese
    bookable: bool
    reason: str = ""
    tell: str = ""
    note: str = ""
    booked_code: str = ""  # display code of the card's active booking
    booked_url: str = ""  # its page (change, cancel)


NOT_FOUND_REASON = "未到着または入力違い"
NOT_FOUND_TELL = (
    "交付通知書番号と生年月日をもう一度お聞きしてください。交付通知書がまだ届いていなければ、カードは市に"
    "未到着です。通知書が届いてから、もう一度お電話くださいとお伝えください。"
)


def _phone_card(card: Card, booked: Reservation | None, *, today: datetime.date) -> PhoneCard:
    S = Card.State
    reason = tell = note = ""
    if booked is not None:
        when = (
            f"{format_date(booked.date)} {booked.slot.start:%H:%M}"
            if booked.slot
            else format_date(booked.date)
        )
        reason = "既に予約あり"
        tell = (
            f"すでに予約があります（予約番号 {booked.display_code}、{when}）。日時の変更・取消は予約番号の"
            "画面でできます。"
        )
    elif card.state in (S.ISSUED, S.POST_PROCESSED):
        reason = "交付済み"
        tell = "このカードはすでにお渡ししています（交付済み）。紛失などのご相談なら市民課へ引き継ぎます。"
    elif card.state == S.UNCLAIMED:
        reason = "受取期限切れ"
        tell = (
            "保管期限を過ぎたため、このカードは予約できません。お受け取りについて市民課から連絡しますとお伝えし、"
            "市職員へ引き継いでください。"
        )
    elif card.state in (S.RETURNED, S.DESTROYED):
        reason = "返納・廃棄済み"
        tell = (
            "このカードは保管期限後に返納（廃棄）されました。お受け取りには再申請が必要ですとお伝えください。"
        )
    elif card.state == S.RECEIVED:
        reason = "準備中（交付前設定前）"
        tell = "カードは届いていますが、まだお渡しの準備中です。交付通知書が届いてから予約してくださいとお伝えください。"
    elif card.state == S.ON_HOLD:
        reason = "確認中（保留）"
        tell = (
            "このカードには確認中の事項があります。担当から連絡しますとお伝えし、市職員へ引き継いでください。"
        )
    elif not card.can_be_booked:
        reason = card.get_state_display()
        tell = "このカードは今は予約できません。市職員へ引き継いでください。"
    elif card.holding_deadline is not None and card.holding_deadline < today:
        note = (
            f"保管期限（{format_date(card.holding_deadline)}）を過ぎていますが、まだお受け取りいただけます。"
            "なるべく早い日をご案内ください。"
        )
    return PhoneCard(
        card_id=card.pk,
        notice_number=card.notice_number,
        name=card.applicant_name,
        office_id=card.pickup_office_id,
        office_name=card.pickup_office.name,
        state=card.get_state_display(),
        bookable=not reason,
        reason=reason,
        tell=tell,
        note=note,
        booked_code=booked.display_code if booked is not None else "",
        booked_url=reverse("reservations:detail", args=[booked.code]) if booked is not None else "",
    )


def _phone_cards_of(cards: list[Card]) -> list[PhoneCard]:
    links = ReservationCard.objects.filter(card__in=[c.pk for c in cards], is_active=True).select_related(
        "reservation__slot"
    )
    booked = {link.card_id: link.reservation for link in links}
    today = timezone.localdate()
    return [_phone_card(c, booked.get(c.pk), today=today) for c in cards]


def phone_cards_find(
    *, birth_date: datetime.date, notice_number: str = "", kana: str = ""
) -> list[PhoneCard]:
    """The card(s) with this notice number (or kana) and birth date, each with whether it can be booked and, if
    not, why and what to tell the caller. [] when nothing matches (see NOT_FOUND_REASON / NOT_FOUND_TELL)."""
    if notice_number.strip():
        found = card_find(notice_number=notice_number, birth_date=birth_date)
        cards = [found] if found is not None else []
    else:
        cards = card_find_by_kana(kana=kana, birth_date=birth_date)
    return _phone_cards_of(cards)


def phone_cards(card_ids: list[int]) -> list[PhoneCard]:
    """The cards with these ids, in the order given (ids that no longer exist are left out)."""
    cards = {c.pk: c for c in Card.objects.filter(pk__in=card_ids).select_related("pickup_office")}
    return _phone_cards_of([cards[i] for i in card_ids if i in cards])


FAMILY_ARRIVAL_DAYS = 31  # family cards are looked for among cards that arrived within a month of a found one


def phone_family_find(*, card_ids: list[int], birth_date: datetime.date) -> list[PhoneCard]:
    """A family member's card by birth date alone: a card at the same address as one of `card_ids` (cards the
    caller has already identified by notice number and birth date), for the same pickup office, that arrived
    within FAMILY_ARRIVAL_DAYS of one of them, with this birth date. Returns every match (usually one; two for
    twins: the operator asks for the notice number then). Matched on the cards' keyed (address, birth date) hash:
    nothing is decrypted or searched by personal value in the database."""
    anchors = list(Card.objects.filter(pk__in=card_ids))
    hashes = {Card.family_hash(c.address, birth_date) for c in anchors if c.address}
    if not hashes or birth_date is None:
        return []
    margin = datetime.timedelta(days=FAMILY_ARRIVAL_DAYS)
    window = Q()
    for anchor in anchors:
        window |= Q(
            pickup_office_id=anchor.pickup_office_id,
            arrived_on__range=(
                anchor.arrived_on - margin,
                anchor.arrived_on + margin,
            ),
        )
    matched = list(
        Card.objects.filter(window, address_birth_hash__in=hashes)
        .exclude(pk__in=card_ids)
        .values_list("pk", flat=True)
    )
    return phone_cards(matched)


@dataclass(frozen=True)
class PhoneSlot:
    """One slot of a day at an office. `key` is the slot's letter on the call screen: a, b, c … by its start
    time among all the day's slots, so it does not move when the family grows or others book."""

    slot_id: int
    key: str
    start: datetime.time
    end: datetime.time
    free: int
    fits: bool  # open, in the future and with room for the party


@dataclass(frozen=True)
class PhoneDay:
    office_id: int
    office_name: str
    date: datetime.date
    slots: list[PhoneSlot]
    previous: datetime.date | None  # the nearest day before / after with room for the party (None: none)
    next: datetime.date | None


SLOT_KEYS = "abcdefghijklmnopqrstuvwxyz"


def _days_with_room(
    office_id: int, people: int, first: datetime.date, last: datetime.date
) -> list[datetime.date]:
    now = timezone.now()
    return list(
        Slot.objects.with_room_for(people)
        .filter(office_id=office_id, date__range=(first, last), starts_at__gt=now)
        .order_by("date")
        .values_list("date", flat=True)
        .distinct()
    )


def phone_slot_day(*, office_id: int, people: int, date: datetime.date | None = None) -> PhoneDay | None:
    """One day's slots at the office for a party of `people` (phone bookings: from today to the end of the
    booking window). Without `date`: the first day with room. Every slot of the day is listed with its letter —
    full, closed or past ones too (not `fits`) — so letters are fixed by time of day. None when no day in the
    window has room."""
    from .services import window_dates

    first, last = window_dates(public=False)
    days = _days_with_room(office_id, people, first, last)
    if date is None or not first <= date <= last:
        if not days:
            return None
        date = days[0]
    now = timezone.now()
    slots = list(Slot.objects.filter(office_id=office_id, date=date).order_by("start"))
    office = Office.objects.get(pk=office_id)
    return PhoneDay(
        office_id=office_id,
        office_name=office.name,
        date=date,
        slots=[
            PhoneSlot(
                slot_id=s.pk,
                key=SLOT_KEYS[i] if i < len(SLOT_KEYS) else "",
                start=s.start,
                end=s.end,
                free=s.free,
                fits=s.is_open and s.starts_at > now and s.free >= people,
            )
            for i, s in enumerate(slots)
        ],
        previous=max((d for d in days if d < date), default=None),
        next=min((d for d in days if d > date), default=None),
    )


@dataclass(frozen=True)
class PhoneBooking:
    """A booking the caller wants to change or cancel, as the call screen shows it."""

    code: str  # display code (ABC-234)
    office_id: int
    office_name: str
    date: datetime.date
    start: datetime.time | None
    end: datetime.time | None
    slot_id: int | None
    people: int
    status: str  # in Japanese
    changeable: bool  # booked, with a slot still ahead


def phone_booking(code: str) -> PhoneBooking | None:
    """The booking with this code, or None."""
    from .services import reservation_by_code

    found = reservation_by_code(code)
    if found is None:
        return None
    slot = found.slot
    return PhoneBooking(
        code=found.display_code,
        office_id=found.office_id,
        office_name=found.office.name,
        date=found.date,
        start=slot.start if slot else None,
        end=slot.end if slot else None,
        slot_id=slot.pk if slot else None,
        people=found.party_size,
        status=found.get_status_display(),
        changeable=found.status == Reservation.Status.BOOKED
        and slot is not None
        and slot.starts_at > timezone.now(),
    )


def reservation_summary(code: str) -> str | None:
    """「ABC-234・12月3日（木）8:30・3人」 for a booking code, or None when no such booking exists (the call screen
    links a call to the booking made during it)."""
    from .services import reservation_by_code

    found = reservation_by_code(code)
    if found is None:
        return None
    when = f"{format_date(found.date)} {found.slot.start:%H:%M}" if found.slot else format_date(found.date)
    return f"{found.display_code}・{when}・{found.party_size}人"


__all__ = [
    "FAMILY_ARRIVAL_DAYS",
    "NOT_FOUND_REASON",
    "NOT_FOUND_TELL",
    "PhoneBooking",
    "PhoneCard",
    "PhoneDay",
    "PhoneSlot",
    "TypeCount",
    "appointment_counts",
    "appointment_load",
    "operator_desk_url",
    "phone_booking",
    "phone_cards",
    "phone_cards_find",
    "phone_family_find",
    "phone_slot_day",
    "reservation_summary",
]

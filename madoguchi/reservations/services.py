"""The one booking engine: slots from the calendar, and book / change / cancel / check-in / no-show / issue.

Never a double booking, at the framework's speed:
- A place is taken by ONE conditional statement, `UPDATE slot SET booked = booked + n WHERE id = … AND is_open
  AND booked + n <= capacity AND <in the booking window> RETURNING *`. The database evaluates the WHERE clause on
  the row it locks for the update, so two bookings for the last place cannot both succeed; no SELECT … FOR UPDATE.
- Duplicates are refused by unique indexes, not by reading first: one active reservation per card (partial
  unique index on ReservationCard.card where is_active), one reservation per reference code (drawn again on
  the one-in-a-billion clash).
- A booking is one transaction of five statements: the UPDATE, then one INSERT each into reservations, their
  cards, their history and the audit trail.

Lock order, everywhere (so no two writers can wait for each other in a cycle):
  1. reservation rows (`_lock`, by pk),
  2. then slot rows, in primary-key order (a change gives back / takes its two slots in pk order),
  3. rows inserted under unique indexes (cards sorted by pk) last.
The one place that touches reservations while it may hold a slot — releasing expired holds when a slot looks
full — takes the hold rows with SKIP LOCKED: it never waits for a reservation, so it cannot close a cycle.
GETs never write: slots are made by the job `reservations.sync_slots` (nightly, and started whenever the
calendar or an office's capacity changes).
"""

from __future__ import annotations

import datetime
import logging
import secrets
import smtplib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F, QuerySet, Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from madoguchi.accounts.models import AuditEvent, User
from madoguchi.accounts.services import audit_record, personal_data_erase
from madoguchi.calendar.models import Office
from madoguchi.calendar.services import hours_range
from madoguchi.cards.models import Card
from madoguchi.lib.crypto import lookup_hash
from madoguchi.lib.jdates import format_date
from madoguchi.lib.privacy import refuse_individual_number
from madoguchi.lib.sms import SmsError, send_sms
from madoguchi.lib.text import nfkc

from .models import (
    AppointmentType,
    CapacityOverride,
    OfficeSlotSettings,
    Reservation,
    ReservationCard,
    ReservationEvent,
    Slot,
    WaitlistEntry,
    format_code,
    new_reference_code,
)
from .rules import rules

if TYPE_CHECKING:
    from madoguchi.jobs.models import Job

logger = logging.getLogger(__name__)

R = Reservation.Status
Channel = Reservation.Channel
STAFF_CHANNELS = (Channel.PHONE, Channel.COUNTER, Channel.API, Channel.IMPORT)


class BookingError(ValidationError):
    """A refused booking operation; the (Japanese) message says what and why. Nothing was changed."""


class SlotFullError(BookingError):
    """The slot has no room left for this many people."""


FULL_MESSAGE = "満席です。この枠には空きがありません。別の枠を選んでください。"


# -- slots ---------------------------------------------------------------------------------------------


def slot_settings_for(office: Office) -> OfficeSlotSettings:
    found = OfficeSlotSettings.objects.filter(office=office).first()
    return found or OfficeSlotSettings(office=office)


def _last_issuance_time() -> datetime.time:
    from django.conf import settings

    hh, mm = str(settings.MADOGUCHI_LAST_ISSUANCE_TIME).split(":")
    return datetime.time(int(hh), int(mm))


def slot_times(
    opens: datetime.time, closes: datetime.time, minutes: int
) -> list[tuple[datetime.time, datetime.time]]:
    """Consecutive slots from opening; none ends after closing or after the last issuance time."""
    limit = min(closes, _last_issuance_time())
    day = datetime.date(2000, 1, 1)
    t = datetime.datetime.combine(day, opens)
    end_limit = datetime.datetime.combine(day, limit)
    step = datetime.timedelta(minutes=minutes)
    result = []
    while t + step <= end_limit:
        result.append((t.time(), (t + step).time()))
        t += step
    return result


def _aware(date: datetime.date, time: datetime.time) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(date, time))


@dataclass
class SyncResult:
    created: int = 0
    updated: int = 0
    withdrawn: int = 0
    affected: list[Reservation] = field(default_factory=list)


def desired_slots(
    office: Office, start: datetime.date, end: datetime.date
) -> dict[tuple[datetime.date, datetime.time], tuple[datetime.time, int]]:
    """(date, start) → (end, capacity) as the calendar, the office settings and the overrides say now."""
    conf = slot_settings_for(office)
    overrides = {
        (o.date, o.start): o.capacity
        for o in CapacityOverride.objects.filter(office=office, date__range=(start, end))
    }
    result = {}
    for day in hours_range(office, start, end):
        if not day.is_open or day.opens is None or day.closes is None:
            continue
        if day.kind == "special:outreach":
            continue  # staff work at the outreach venue that day: the office does not hand out cards
        for s, e in slot_times(day.opens, day.closes, conf.slot_minutes):
            cap = overrides.get((day.date, s), overrides.get((day.date, None), conf.capacity))
            result[(day.date, s)] = (e, cap)
    return result


def slots_sync(*, office: Office, start: datetime.date, end: datetime.date) -> SyncResult:
    """Make the slots of [start, end] match the calendar and capacities. Idempotent and safe to run concurrently.

    Slots the calendar no longer has are withdrawn (is_open False), never deleted: their bookings stay and are
    returned in `affected`, with the bookings of slots whose capacity fell below what is booked.
    """
    want = desired_slots(office, start, end)
    result = SyncResult()
    existing = {(s.date, s.start): s for s in Slot.objects.filter(office=office, date__range=(start, end))}
    new = [
        Slot(office=office, date=d, start=s, end=e, starts_at=_aware(d, s), capacity=cap)
        for (d, s), (e, cap) in want.items()
        if (d, s) not in existing
    ]
    if new:
        # Two requests may sync the same range at once: the unique constraint lets only one row in.
        Slot.objects.bulk_create(new, ignore_conflicts=True)
        result.created = len(new)
    changed = []
    for key, slot in existing.items():
        if key in want:
            e, cap = want[key]
            if slot.end != e or slot.capacity != cap or not slot.is_open:
                slot.end, slot.capacity, slot.is_open = e, cap, True
                changed.append(slot)
                result.updated += 1
        elif slot.is_open:
            slot.is_open = False
            changed.append(slot)
            result.withdrawn += 1
    if changed:
        Slot.objects.bulk_update(changed, ["end", "capacity", "is_open"])
    result.affected = list(
        Reservation.objects.needing_follow_up()
        .filter(office=office, date__range=(start, end))
        .select_related("slot", "office")
    )
    return result


def window_dates(
    *,
    public: bool,
    today: datetime.date | None = None,
    appointment_type: AppointmentType | None = None,
) -> tuple[datetime.date, datetime.date]:
    """First and last bookable day. Pickups follow the city's MADOGUCHI_BOOKING_* settings; every other type
    its own window. Staff (phone, counter) may book from today."""
    r = rules()
    today = today or timezone.localdate()
    if appointment_type is None or appointment_type.is_pickup:
        min_ahead, max_ahead = r.min_days_ahead, r.max_days_ahead
    else:
        min_ahead, max_ahead = appointment_type.min_days_ahead, appointment_type.max_days_ahead
    first = today + datetime.timedelta(days=min_ahead if public else 0)
    return first, today + datetime.timedelta(days=max_ahead)


def _chain_starts(slots: list[Slot], span: int) -> list[Slot]:
    """The slots that begin `span` consecutive slots (same office and day, each starting when the last ends)."""
    if span <= 1:
        return slots
    by_key = {(s.office_id, s.date, s.start): s for s in slots}
    result = []
    for s in slots:
        current, ok = s, True
        for _step in range(span - 1):
            nxt = by_key.get((current.office_id, current.date, current.end))
            if nxt is None:
                ok = False
                break
            current = nxt
        if ok:
            result.append(s)
    return result


def slots_free(
    *,
    office: Office,
    people: int = 1,
    public: bool = False,
    date: datetime.date | None = None,
    limit: int | None = None,
    now: datetime.datetime | None = None,
    appointment_type: AppointmentType | None = None,
) -> list[Slot]:
    """Open future slots inside the type's booking window with room for `people` — for as many consecutive slots
    as the type lasts — earliest first. One query, no write."""
    now = now or timezone.now()
    first, last = window_dates(
        public=public, today=timezone.localdate(now), appointment_type=appointment_type
    )
    if date is not None:
        if not first <= date <= last:
            return []
        first = last = date
    qs = (
        Slot.objects.with_room_for(people)
        .select_related("office")
        .filter(office=office, date__range=(first, last), starts_at__gt=now)
        .order_by("starts_at")
    )
    span = appointment_type.duration_slots if appointment_type is not None else 1
    found = _chain_starts(list(qs), span)
    return found[:limit] if limit else found


def slots_free_by_code(
    *, office_code: str, people: int = 1, date: datetime.date | None = None, limit: int | None = None
) -> list[Slot]:
    """`slots_free` for an office given by its code, in the one query (the API's listing)."""
    now = timezone.now()
    first, last = window_dates(public=False, today=timezone.localdate(now))
    if date is not None:
        if not first <= date <= last:
            return []
        first = last = date
    qs = (
        Slot.objects.with_room_for(people)
        .filter(
            office__code=office_code, office__is_active=True, date__range=(first, last), starts_at__gt=now
        )
        .order_by("starts_at")
    )
    return list(qs[:limit] if limit else qs)


def day_overview(*, office: Office, start: datetime.date, days: int = 7) -> list[dict[str, object]]:
    """Per day: open slots, capacity, booked and free people (for the slot board)."""
    end = start + datetime.timedelta(days=days - 1)
    rows = (
        Slot.objects.filter(office=office, date__range=(start, end), is_open=True)
        .values("date")
        .annotate(slots=Count("pk"), capacity=Sum("capacity"), booked=Sum("booked"))
        .order_by("date")
    )
    return [dict(r, free=max(0, (r["capacity"] or 0) - (r["booked"] or 0))) for r in rows]


def office_settings_update(
    *, office: Office, slot_minutes: int, windows: int, people_per_window: int, by: User
) -> Job:
    """Change an office's slot length or capacity; the slots follow in the sync job this returns."""
    if not 5 <= slot_minutes <= 240:
        raise BookingError("1枠の長さは5〜240分で指定してください。")
    with transaction.atomic():
        conf, _created = OfficeSlotSettings.objects.get_or_create(office=office)
        before = {"slot_minutes": conf.slot_minutes, "capacity": conf.capacity}
        conf.slot_minutes, conf.windows, conf.people_per_window = slot_minutes, windows, people_per_window
        conf.save(update_fields=["slot_minutes", "windows", "people_per_window", "updated_at"])
        job = slots_sync_start(office=office, by=by)
        audit_record(
            actor=by,
            action=AuditEvent.Action.UPDATE,
            obj=conf,
            detail={
                "office": office.code,
                "before": before,
                "after": {"slot_minutes": slot_minutes, "capacity": conf.capacity},
                "job": str(job.pk),
            },
        )
    return job


def capacity_override_set(
    *,
    office: Office,
    date: datetime.date,
    start: datetime.time | None,
    capacity: int,
    by: User,
    reason: str = "",
) -> SyncResult:
    """Set (or replace) the capacity of one day or one slot; affected bookings are returned, never dropped."""
    refuse_individual_number(reason, field="reason")
    if capacity < 0 or capacity > 500:
        raise BookingError("定員は0〜500人で指定してください。")
    if date < timezone.localdate():
        raise BookingError(f"{format_date(date)}は過去の日付です。今日以降の日付を指定してください。")
    with transaction.atomic():
        override, _created = CapacityOverride.objects.update_or_create(
            office=office,
            date=date,
            start=start,
            defaults={"capacity": capacity, "reason": reason, "created_by": by},
        )
        result = slots_sync(office=office, start=date, end=date)
        if start is not None and not Slot.objects.filter(office=office, date=date, start=start).exists():
            raise BookingError(f"{format_date(date)} {start:%H:%M} 開始の予約枠はありません（開庁時間外）。")
        if start is None and not Slot.objects.filter(office=office, date=date).exists():
            # A closed day (or an outreach day) has no slots: an override there would change nothing.
            raise BookingError(f"{format_date(date)}は予約枠のない日です（休業日または出張受付日）。")
        audit_record(
            actor=by,
            action=AuditEvent.Action.UPDATE,
            obj=override,
            detail={
                "office": office.code,
                "date": date.isoformat(),
                "start": start.strftime("%H:%M") if start else "",
                "capacity": capacity,
                "affected": len(result.affected),
            },
        )
    return result


def capacity_override_delete(*, override: CapacityOverride, by: User) -> SyncResult:
    with transaction.atomic():
        office, date = override.office, override.date
        audit_record(
            actor=by, action=AuditEvent.Action.DELETE, obj=override, detail={"date": date.isoformat()}
        )
        override.delete()
        return slots_sync(office=office, start=date, end=date)


def follow_up_list() -> list[Reservation]:
    """Active bookings whose slot was withdrawn or overfilled by a calendar or capacity change."""
    return list(follow_up_queryset())


SYNC_KIND = "reservations.sync_slots"


def slots_sync_start(*, office: Office | None, by: User | None) -> Job:
    """Queue the slot sync (one office, or all) after a calendar or capacity change; returns the job.

    A sync already queued for the same offices will read the new state when it runs, so it is reused; one
    already running may have read the old state, so a second one is queued behind it.
    """
    from madoguchi.jobs.models import Job as JobModel
    from madoguchi.jobs.services import JobAlreadyRunning, job_start

    key = f"{SYNC_KIND}:{office.pk if office else 'all'}"
    params = {"office_id": office.pk} if office else {}
    try:
        return job_start(kind=SYNC_KIND, params=params, user=by, lock_key=key)
    except JobAlreadyRunning as exc:
        if exc.job.state == JobModel.State.QUEUED:
            return exc.job
        return job_start(kind=SYNC_KIND, params=params, user=by)


def follow_up_queryset() -> QuerySet[Reservation]:
    """The bookings `follow_up_list` returns, as a QuerySet (counted without loading them)."""
    return (
        Reservation.objects.needing_follow_up()
        .filter(date__gte=timezone.localdate())
        .select_related("slot", "office")
        .order_by("date", "slot__start")
    )


# -- booking -------------------------------------------------------------------------------------------


def _label(card: Card) -> str:
    return card.notice_number


def _check_cards(cards: Sequence[Card]) -> None:
    """What can be said about the cards without a query (the slot and the database say the rest)."""
    if not cards:
        raise BookingError("予約するカードを1枚以上選んでください。")
    if len({c.pk for c in cards}) != len(cards):
        raise BookingError("同じカードが2回選ばれています。")
    if len(cards) > rules().max_party:
        raise BookingError(
            f"1件の予約でお受け取りできるのは{rules().max_party}人までです。",
            code="too_many_people",
            params={"limit": rules().max_party},
        )
    for card in cards:
        if not card.can_be_booked:
            if card.state in Card.CLOSED_STATES:
                why = "すでに交付済み、または返納・廃棄済みの"
            elif card.state == Card.State.RECEIVED:
                why = "まだ交付前設定が済んでいない"
            elif card.state == Card.State.ON_HOLD:
                why = "確認中（保留）の"
            else:
                why = f"「{card.get_state_display()}」の"
            raise BookingError(
                f"カード {_label(card)} は{why}ため予約できません。",
                code="card_not_bookable",
                params={"number": _label(card)},
            )


def _check_card_office(cards: Sequence[Card], office_id: int) -> None:
    for card in cards:
        if card.pickup_office_id != office_id:
            office = Office.objects.get(pk=office_id)
            raise BookingError(
                f"カード {_label(card)} の受取庁舎は{card.pickup_office.name}です。{office.name}では予約できません。",
                code="card_office",
                params={"number": _label(card)},
            )


def _check_cards_free(cards: Sequence[Card]) -> None:
    """Explain a refused insert (the partial unique index): which card is booked, under which code."""
    taken = (
        ReservationCard.objects.filter(card__in=[c.pk for c in cards], is_active=True)
        .select_related("reservation", "card")
        .first()
    )
    if taken is not None:
        raise BookingError(
            f"カード {taken.card.notice_number} はすでに予約があります（予約番号 {taken.reservation.display_code}）。"
            "変更または取消をしてください。",
            code="card_taken",
            params={"number": taken.card.notice_number, "code": taken.reservation.display_code},
        )


def _check_window(slot: Slot, *, channel: str, now: datetime.datetime, window: Window) -> None:
    if not slot.is_open:
        raise BookingError("この枠は受付を停止しています。別の枠を選んでください。", code="slot_closed")
    if slot.starts_at <= now:
        raise BookingError("過去の枠は予約できません。", code="slot_past")
    first, last = window
    if slot.date > last:
        raise BookingError(
            f"予約は{format_date(last)}までの枠で受け付けています。",
            code="window_last",
            params={"date": last},
        )
    if slot.date < first:
        raise BookingError(
            f"Webでの予約は{format_date(first)}以降の枠で受け付けています。",
            code="window_first",
            params={"date": first},
        )


def _expire(reservations: Sequence[Reservation], now: datetime.datetime) -> int:
    """Locked expired holds: end them and give their places back (slots in pk order). Returns people."""
    if not reservations:
        return 0
    Reservation.objects.filter(pk__in=[r.pk for r in reservations]).update(status=R.EXPIRED, updated_at=now)
    ReservationCard.objects.filter(reservation__in=reservations).update(is_active=False)
    ReservationEvent.objects.bulk_create(
        [
            ReservationEvent(reservation=r, at=now, kind=ReservationEvent.Kind.EXPIRE, from_slot_id=r.slot_id)
            for r in reservations
        ]
    )
    per_slot: dict[int, int] = {}
    for r in reservations:
        for slot_id in r.slot_ids:
            per_slot[slot_id] = per_slot.get(slot_id, 0) + r.party_size
    for slot_id in sorted(per_slot):
        _give_back(slot_id, per_slot[slot_id])
    return sum(r.party_size for r in reservations)


def _release_expired_holds(slot_id: int, now: datetime.datetime) -> int:
    """Expired one-slot holds of this slot give their places back. Returns the people released.

    Lock order (see the module docstring): the hold rows first, then the slot row. The holds are taken with
    SKIP LOCKED, so a hold being confirmed or cancelled right now is left to that transaction, and this never
    waits for a reservation while holding a slot. Holds of longer appointments touch other slots too: the job
    (`holds_release`) gives those back, one reservation at a time.
    """
    expired = list(
        Reservation.objects.filter(
            slot_id=slot_id, status=R.HELD, hold_expires_at__lte=now, extra_slot_ids=[]
        )
        .order_by("pk")
        .select_for_update(of=("self",), skip_locked=True)
        .only("pk", "party_size", "slot_id", "extra_slot_ids")
    )
    return _expire(expired, now)


def _take_sql() -> str:
    """Only quoted identifiers are interpolated; every value is a parameter."""
    qn = connection.ops.quote_name
    booked = qn("booked")
    return (
        f"UPDATE {qn(Slot._meta.db_table)} SET {booked} = {booked} + %s "  # noqa: S608
        f"WHERE {qn('id')} = %s AND {qn('is_open')} AND {booked} + %s <= {qn('capacity')} "
        f"AND {qn('starts_at')} > %s AND {qn('date')} >= %s AND {qn('date')} <= %s "
        "RETURNING *"
    )


Window = tuple[datetime.date, datetime.date]


def _take_places(slot_id: int, people: int, *, channel: str, now: datetime.datetime, window: Window) -> Slot:
    """One statement: raise the counter if the slot is open, in the booking window and has room.

    The WHERE clause is evaluated by the database on the row it locks for the UPDATE, so two bookings for the
    last place can never both succeed. When nothing was updated, expired holds are released once and the
    UPDATE retried; then the slot is read to say why (closed, past, outside the window, full).
    Returns the slot as it is after the UPDATE.
    """
    ops = connection.ops
    params = [
        people,
        slot_id,
        people,
        ops.adapt_datetimefield_value(now),
        ops.adapt_datefield_value(window[0]),
        ops.adapt_datefield_value(window[1]),
    ]
    for attempt in range(2):
        rows = list(Slot.objects.raw(_take_sql(), params))
        if rows:
            return rows[0]
        if attempt == 0 and not _release_expired_holds(slot_id, now):
            break
    found = Slot.objects.filter(pk=slot_id).first()
    if found is None:
        raise BookingError(
            "選ばれた予約枠は見つかりません。もう一度、枠を選んでください。", code="slot_missing"
        )
    _check_window(found, channel=channel, now=now, window=window)
    raise SlotFullError(FULL_MESSAGE, code="full")


def _give_back(slot_id: int, people: int) -> None:
    Slot.objects.filter(pk=slot_id).update(booked=F("booked") - people)


def _chain(first_id: int, span: int) -> list[Slot]:
    """The `span` consecutive slots from `first_id` (a read without locks; the UPDATEs check each slot)."""
    first = Slot.objects.filter(pk=first_id).first()
    if first is None:
        raise BookingError(
            "選ばれた予約枠は見つかりません。もう一度、枠を選んでください。", code="slot_missing"
        )
    day = {
        s.start: s
        for s in Slot.objects.filter(
            office_id=first.office_id, date=first.date, start__gte=first.start, is_open=True
        )
    }
    chain, current = [first], first
    while len(chain) < span:
        nxt = day.get(current.end)
        if nxt is None:
            raise BookingError(
                f"{current.end:%H:%M}以降に続けて予約できる枠がないため、この時刻からは予約できません"
                f"（{span}枠分の時間が必要です）。もっと早い時刻を選んでください。",
                code="no_following_slot",
                params={"time": current.end},
            )
        chain.append(nxt)
        current = nxt
    return chain


def _take_span(
    first_id: int, span: int, people: int, *, channel: str, now: datetime.datetime, window: Window
) -> tuple[Slot, list[int]]:
    """Take places in `span` consecutive slots, in primary-key order. Returns (first slot, the other ids)."""
    if span <= 1:
        return _take_places(first_id, people, channel=channel, now=now, window=window), []
    chain = _chain(first_id, span)
    taken = {}
    for slot in sorted(chain, key=lambda s: s.pk):
        taken[slot.pk] = _take_places(slot.pk, people, channel=channel, now=now, window=window)
    return taken[first_id], [s.pk for s in chain[1:]]


def _violated(exc: IntegrityError) -> str:
    """Which unique rule refused the insert: 'card', 'person', 'code' or '' (something else)."""
    cause = exc.__cause__
    name = getattr(getattr(cause, "diag", None), "constraint_name", None) or str(exc)
    if "reservation_card_one_active_per_card" in name or "reservationcard.card" in name:
        return "card"
    if "reservation_one_active_per_person_and_type" in name or "identity_hash" in name:
        return "person"
    if "external_ref" in name:
        return "external"
    if "code" in name:
        return "code"
    return ""


# Cards already on their way to (or at) the branch need no shipping time.
_AT_OR_TO_BRANCH = {Card.State.SHIPPED, Card.State.RECEIVED_AT_BRANCH}


def _check_branch_lead_time(
    cards: Sequence[Card], office: Office, date: datetime.date, *, today: datetime.date
) -> None:
    """A card collected at a branch must first be pulled and shipped there: refuse slots sooner than that."""
    if office.kind != Office.Kind.BRANCH:
        return
    lead_days = int(getattr(settings, "MADOGUCHI_BRANCH_LEAD_DAYS", 2))
    earliest = today + datetime.timedelta(days=lead_days)
    for card in cards:
        if card.state not in _AT_OR_TO_BRANCH and date < earliest:
            raise BookingError(
                f"カード {_label(card)} は{office.name}へ送付してからの受け取りになるため、"
                f"{format_date(earliest)}以降の枠を選んでください。",
                code="branch_lead",
                params={"number": _label(card), "date": earliest},
            )


# -- appointment types ---------------------------------------------------------------------------------

_TYPE_IDS: dict[str, int] = {}


def appointment_type_get(code: str) -> AppointmentType:
    """A type by its code (the pickup type always exists: created by migration and after every migrate)."""
    found = AppointmentType.objects.filter(code=code).first()
    if found is None:
        if code == AppointmentType.PICKUP:
            builtin_types_ensure()
            return AppointmentType.objects.get(code=code)
        raise BookingError(f"予約の種類「{code}」はありません。")
    return found


def pickup_type_id() -> int:
    """The pickup type's pk, remembered in process memory (a code's row never changes its pk)."""
    pk = _TYPE_IDS.get(AppointmentType.PICKUP)
    if pk is None:
        pk = appointment_type_get(AppointmentType.PICKUP).pk
        _TYPE_IDS[AppointmentType.PICKUP] = pk
    return pk


def builtin_types_ensure(**kwargs: object) -> None:
    """After every migrate (and a test database flush): the built-in types exist; forget remembered pks."""
    from .builtin_types import builtin_types_create

    _TYPE_IDS.clear()
    builtin_types_create(AppointmentType)


def appointment_type_save(
    *, appointment_type: AppointmentType, offices: Iterable[Office], by: User
) -> AppointmentType:
    """Create or change a type (validated by its form); audited with what changed, never personal data."""
    creating = appointment_type.pk is None
    appointment_type.full_clean()
    with transaction.atomic():
        appointment_type.save()
        appointment_type.offices.set(list(offices))
        audit_record(
            actor=by,
            action=AuditEvent.Action.CREATE if creating else AuditEvent.Action.UPDATE,
            obj=appointment_type,
            detail={
                "code": appointment_type.code,
                "duration_slots": appointment_type.duration_slots,
                "offices": sorted(o.code for o in appointment_type.offices.all()),
                "active": appointment_type.is_active,
            },
        )
    _TYPE_IDS.clear()
    return appointment_type


@dataclass(frozen=True)
class Person:
    """Who comes, for a type not tied to a card. Never logged; stored encrypted; found by `identity_hash`."""

    name: str = ""
    birth_date: datetime.date | None = None
    phone: str = ""
    expiry_notice_number: str = ""

    @property
    def phone_digits(self) -> str:
        return "".join(ch for ch in nfkc(self.phone) if ch.isdigit())

    @property
    def name_key(self) -> str:
        return "".join(nfkc(self.name).split())

    def identity_hash(self) -> str:
        if self.expiry_notice_number:
            return lookup_hash("expiry", self.expiry_notice_number, self.birth_date)
        return lookup_hash("person", self.name_key, self.birth_date, self.phone_digits)


def _check_person(appointment_type: AppointmentType, person: Person | None) -> Person:
    """The identification the type asks for, field by field (what is missing or wrong, and where)."""
    if person is None:
        raise BookingError("ご本人の氏名・生年月日・電話番号を入力してください。", code="person_missing")
    for value, name in (
        (person.name, "name"),
        (person.phone, "phone"),
        (person.expiry_notice_number, "expiry_notice_number"),
    ):
        refuse_individual_number(value, field=name)
    if person.birth_date is None:
        raise BookingError("生年月日: 入力してください。", code="birth_missing")
    by_notice = appointment_type.identification == AppointmentType.Identification.EXPIRY_NOTICE and bool(
        person.expiry_notice_number.strip()
    )
    if by_notice:
        return person
    if not person.name_key:
        raise BookingError("氏名: 入力してください。", code="name_missing")
    if len(person.name_key) > 60:
        raise BookingError("氏名: 60文字以内で入力してください。", code="name_too_long")
    if not 10 <= len(person.phone_digits) <= 11:
        raise BookingError(
            "電話番号: 10桁または11桁の数字で入力してください（例: 0942-30-9000）。", code="phone_bad"
        )
    return person


def _check_type(
    appointment_type: AppointmentType, *, channel: str, people: int, office_ids: list[int] | None
) -> None:
    name = appointment_type.name
    if not appointment_type.is_active:
        raise BookingError(f"「{name}」の予約は現在受け付けていません。", code="type_closed")
    if channel == Channel.WEB and not appointment_type.web_bookable:
        raise BookingError(
            f"「{name}」はWebでは予約できません。コールセンターへお電話ください。", code="type_not_web"
        )
    if people < 1:
        raise BookingError("人数は1人以上で指定してください。", code="people_range", params={"limit": 1})
    limit = rules().max_party if appointment_type.is_pickup else appointment_type.max_people
    if people > limit:
        raise BookingError(
            f"「{name}」は1件の予約で{limit}人までです。", code="people_range", params={"limit": limit}
        )


def _check_office_serves(appointment_type: AppointmentType, office_id: int, office_ids: list[int]) -> None:
    if office_ids and office_id not in office_ids:
        office = Office.objects.get(pk=office_id)
        raise BookingError(
            f"{office.name}では「{appointment_type.name}」を受け付けていません。受け付ける庁舎の枠を選んでください。",
            code="office_not_served",
        )


def appointment_book(
    *,
    appointment_type: AppointmentType,
    slot: Slot,
    by: User | None,
    channel: str,
    cards: Sequence[Card] = (),
    person: Person | None = None,
    people: int = 1,
    email: str = "",
    language: str = "ja",
    reminder_opt_out: bool = False,
    hold: bool = False,
    hold_minutes: int | None = None,
    now: datetime.datetime | None = None,
    audit_detail: dict[str, object] | None = None,
    external_ref: str = "",
) -> Reservation:
    """Book any appointment type into `slot` (and the slots after it, for a type longer than one slot).

    A pickup books cards (one person each, checked against the cards); every other type a person identified as
    the type asks (name + birth date + phone, or an expiry notice number + birth date) and a number of people.
    One transaction: a conditional UPDATE … RETURNING per slot (pk order), then one INSERT each for the
    reservation, its cards (pickups), its history and the audit trail. The unique indexes refuse a card already
    booked, the same person booking the same type twice, and a clashing reference code (drawn again).
    `slot` may be an unloaded `Slot(pk=…)`. Raises SlotFullError (満席) or BookingError; nothing half-booked.
    """
    now = now or timezone.now()
    refuse_individual_number(email, field="email")
    atype = appointment_type
    cards = sorted(cards, key=lambda c: c.pk)  # one insert order everywhere: no deadlock on the card index
    identity = ""
    if atype.is_pickup:
        _check_cards(cards)
        people = len(cards)
        office_ids: list[int] = []
    else:
        if cards:
            raise BookingError(f"「{atype.name}」の予約にカードは指定できません。")
        person = _check_person(atype, person)
        identity = person.identity_hash()
        office_ids = list(atype.offices.values_list("pk", flat=True))
    _check_type(atype, channel=channel, people=people, office_ids=office_ids)
    window = window_dates(
        public=channel == Channel.WEB, today=timezone.localdate(now), appointment_type=atype
    )
    actor = by if by is not None and by.is_authenticated else None
    for _attempt in range(3):
        try:
            with transaction.atomic():
                taken, extra = _take_span(
                    slot.pk, atype.duration_slots, people, channel=channel, now=now, window=window
                )
                if atype.is_pickup:
                    _check_card_office(cards, taken.office_id)
                    office = cards[0].pickup_office
                    _check_branch_lead_time(cards, office, taken.date, today=timezone.localdate(now))
                else:
                    _check_office_serves(atype, taken.office_id, office_ids)
                    office = Office(pk=taken.office_id)
                reservation = Reservation.objects.create(
                    code=new_reference_code(),
                    appointment_type_id=atype.pk,
                    office=office,
                    slot_id=taken.pk,
                    extra_slot_ids=extra,
                    date=taken.date,
                    party_size=people,
                    person_name=person.name.strip() if person else "",
                    person_birth_date=person.birth_date if person else None,  # type: ignore[misc]
                    person_phone=person.phone.strip() if person else "",
                    expiry_notice_number=person.expiry_notice_number.strip() if person else "",
                    identity_hash=identity,
                    status=R.HELD if hold else R.BOOKED,
                    channel=channel,
                    email=email.strip(),
                    language=language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE,
                    reminder_opt_out=reminder_opt_out,
                    hold_expires_at=(
                        now + datetime.timedelta(minutes=hold_minutes or rules().hold_minutes)
                        if hold
                        else None
                    ),
                    link_nonce=secrets.token_hex(4),
                    external_ref=external_ref,
                    created_by=actor,
                    created_at=now,
                )
                if cards:
                    ReservationCard.objects.bulk_create(
                        [ReservationCard(reservation=reservation, card=c) for c in cards]
                    )
                ReservationEvent.objects.create(
                    reservation=reservation,
                    at=now,
                    kind=ReservationEvent.Kind.HOLD if hold else ReservationEvent.Kind.BOOK,
                    channel=channel,
                    actor=actor,
                    to_slot_id=taken.pk,
                )
                audit_record(
                    actor=by,
                    action=AuditEvent.Action.CREATE,
                    obj=reservation,
                    detail={
                        **(audit_detail or {}),
                        "code": reservation.code,
                        "type": atype.code,
                        "slot": taken.pk,
                        "slots": 1 + len(extra),
                        "people": people,
                        "channel": channel,
                        "hold": hold,
                    },
                )
        except IntegrityError as exc:
            violated = _violated(exc)
            if violated == "code":
                continue  # a one-in-a-billion clash of reference codes: draw again
            if violated == "external":
                raise BookingError(
                    f"他システムの予約ID「{external_ref}」はすでに取り込まれています。", code="external_taken"
                ) from None
            if violated == "person":
                raise BookingError(
                    f"この方の「{atype.name}」の予約はすでにあります。変更または取消をしてください。",
                    code="person_taken",
                ) from None
            # A card is already booked (partial unique index): nothing was written; say which and where.
            _check_cards_free(cards)
            raise BookingError(
                "このカードはたった今、別の予約に含まれました。予約状況を確認してください。"
            ) from None
        reservation.slot = taken
        reservation.appointment_type = atype
        return reservation
    raise RuntimeError("could not draw a free reference code")


def reservation_book(
    *,
    cards: Sequence[Card],
    slot: Slot,
    by: User | None,
    channel: str,
    email: str = "",
    language: str = "ja",
    reminder_opt_out: bool = False,
    hold: bool = False,
    now: datetime.datetime | None = None,
    audit_detail: dict[str, object] | None = None,
) -> Reservation:
    """Book a card pickup (one person per card): `appointment_book` with the pickup type.

    Five statements in one transaction: the conditional UPDATE … RETURNING of the slot, and one INSERT each
    for the reservation, its cards, its history and the audit trail.
    """
    atype = AppointmentType(
        pk=pickup_type_id(),
        code=AppointmentType.PICKUP,
        name="マイナンバーカードの受け取り",
        identification=AppointmentType.Identification.NOTICE_BIRTH,
        duration_slots=1,
    )
    return appointment_book(
        appointment_type=atype,
        slot=slot,
        by=by,
        channel=channel,
        cards=cards,
        email=email,
        language=language,
        reminder_opt_out=reminder_opt_out,
        hold=hold,
        now=now,
        audit_detail=audit_detail,
    )


def phone_booking_make(
    *,
    card_ids: Sequence[int],
    slot_id: int,
    by: User,
    email: str = "",
    mobile: str = "",
    consent: bool = False,
    audit_detail: dict[str, object] | None = None,
) -> Reservation:
    """The call screen's booking: the cards (by id) into the slot (by id), by phone, with the reminder contact the
    caller gave (checked first: nothing is booked without it). One transaction; raises BookingError (a Japanese
    message), ValidationError for the contact fields."""
    email, number = reminder_contact_clean(email=email, mobile=mobile, consent=consent)
    found = {c.pk: c for c in Card.objects.filter(pk__in=list(card_ids)).select_related("pickup_office")}
    missing = [i for i in card_ids if i not in found]
    if missing:
        raise BookingError("選んだカードが見つかりません。カードを探し直してください。")
    with transaction.atomic():
        reservation = reservation_book(
            cards=[found[i] for i in card_ids],
            slot=Slot(pk=slot_id),
            by=by,
            channel=Channel.PHONE,
            audit_detail=audit_detail,
        )
        if email or number:
            reservation = reservation_set_contact(
                reservation=reservation, by=by, email=email, mobile=number, consent=consent
            )
    return reservation


def phone_booking_change(*, code: str, slot_id: int, by: User) -> Reservation:
    """The call screen: move the booking with this code to the slot (by id), by phone (`reservation_change`)."""
    found = reservation_by_code(code)
    if found is None:
        raise BookingError(f"予約番号「{code[:20]}」の予約は見つかりません。")
    return reservation_change(reservation=found, slot=Slot(pk=slot_id), by=by, channel=Channel.PHONE)


def phone_booking_cancel(*, code: str, by: User, note: str = "") -> Reservation:
    """The call screen: cancel the booking with this code, by phone (`reservation_cancel`)."""
    found = reservation_by_code(code)
    if found is None:
        raise BookingError(f"予約番号「{code[:20]}」の予約は見つかりません。")
    return reservation_cancel(reservation=found, by=by, channel=Channel.PHONE, note=note)


def _lock(reservation: Reservation) -> Reservation:
    return (
        Reservation.objects.select_for_update(of=("self",))
        .select_related("office", "slot", "appointment_type")
        .get(pk=reservation.pk)
    )


def _check_changeable(reservation: Reservation, *, channel: str, now: datetime.datetime, verb: str) -> None:
    if reservation.status not in (R.BOOKED, R.HELD):
        raise BookingError(
            f"予約番号 {reservation.display_code} は「{reservation.get_status_display()}」のため{verb}できません。"
        )
    if reservation.slot is None:
        raise BookingError("予約なし来庁の記録は変更・取消できません。")
    if channel == Channel.WEB and reservation.status == R.BOOKED:
        deadline = reservation.date - datetime.timedelta(days=rules().change_days)
        if timezone.localdate(now) > deadline:
            raise BookingError(
                f"Webでの{verb}は{format_date(deadline)}までです。お手数ですがコールセンターへお電話ください。",
                code="web_deadline",
                params={"date": deadline},
            )
    elif reservation.slot.starts_at <= now and reservation.status == R.BOOKED:
        raise BookingError(f"予約時刻を過ぎた予約は{verb}できません。")


def reservation_confirm(
    *,
    reservation: Reservation,
    by: User | None,
    email: str = "",
    reminder_opt_out: bool = False,
    now: datetime.datetime | None = None,
) -> Reservation:
    """Turn a hold into a booking (the resident pressed 予約する before the hold ran out)."""
    now = now or timezone.now()
    refuse_individual_number(email, field="email")
    with transaction.atomic():
        locked = _lock(reservation)
        if locked.status == R.BOOKED:
            return locked
        if locked.status != R.HELD or (locked.hold_expires_at and locked.hold_expires_at <= now):
            raise BookingError(
                "仮押さえの期限が切れました。もう一度、枠を選んでください。", code="hold_expired"
            )
        locked.status = R.BOOKED
        locked.hold_expires_at = None
        locked.email = email.strip()
        locked.reminder_opt_out = reminder_opt_out
        locked.save(update_fields=["status", "hold_expires_at", "email", "reminder_opt_out", "updated_at"])
        ReservationEvent.objects.create(
            reservation=locked,
            at=now,
            kind=ReservationEvent.Kind.BOOK,
            channel=locked.channel,
            to_slot=locked.slot,
        )
        audit_record(
            actor=by,
            action=AuditEvent.Action.UPDATE,
            obj=locked,
            detail={"code": locked.code, "to": "booked"},
        )
    return locked


def reservation_change(
    *,
    reservation: Reservation,
    slot: Slot,
    by: User | None,
    channel: str,
    now: datetime.datetime | None = None,
) -> Reservation:
    """Move a booking to another slot of the same office, in one transaction.

    Lock order: the reservation row, then the two slot rows in primary-key order (the old slot's places are
    given back before or after the new one's are taken, whichever has the smaller pk; a refusal rolls both back).
    """
    now = now or timezone.now()
    with transaction.atomic():
        locked = _lock(reservation)
        _check_changeable(locked, channel=channel, now=now, verb="変更")
        old = locked.slot
        assert old is not None
        if old.pk == slot.pk:
            raise BookingError("現在と同じ枠です。別の枠を選んでください。")
        people = locked.party_size
        atype = locked.appointment_type
        window = window_dates(
            public=channel == Channel.WEB, today=timezone.localdate(now), appointment_type=atype
        )
        old_ids = locked.slot_ids
        new_chain = _chain(slot.pk, len(old_ids)) if len(old_ids) > 1 else []
        new_ids = [s.pk for s in new_chain] or [slot.pk]
        delta: dict[int, int] = {}
        for slot_id in old_ids:
            delta[slot_id] = delta.get(slot_id, 0) - people
        for slot_id in new_ids:
            delta[slot_id] = delta.get(slot_id, 0) + people
        target = new_chain[0] if new_chain else None
        for slot_id in sorted(delta):  # the slots in primary-key order: the lock order of every write
            if delta[slot_id] > 0:
                got = _take_places(slot_id, delta[slot_id], channel=channel, now=now, window=window)
                if slot_id == slot.pk:
                    target = got
            elif delta[slot_id] < 0:
                _give_back(slot_id, -delta[slot_id])
        assert target is not None
        if target.office_id != locked.office_id:
            raise BookingError("受取庁舎が異なる枠には変更できません。受取庁舎はカードごとに決まっています。")
        if atype is not None and not atype.is_pickup:
            served = list(atype.offices.values_list("pk", flat=True))
            _check_office_serves(atype, target.office_id, served)
        _check_branch_lead_time(
            [link.card for link in locked.card_links.filter(is_active=True).select_related("card")],
            locked.office,
            target.date,
            today=timezone.localdate(now),
        )
        locked.slot = target
        locked.extra_slot_ids = new_ids[1:]
        locked.date = target.date
        locked.reminder_sent_at = None
        locked.save(update_fields=["slot", "extra_slot_ids", "date", "reminder_sent_at", "updated_at"])
        ReservationEvent.objects.create(
            reservation=locked,
            at=now,
            kind=ReservationEvent.Kind.CHANGE,
            channel=channel,
            actor=by if by is not None and by.is_authenticated else None,
            from_slot=old,
            to_slot=target,
        )
        audit_record(
            actor=by,
            action=AuditEvent.Action.UPDATE,
            obj=locked,
            detail={"code": locked.code, "from_slot": old.pk, "to_slot": target.pk, "channel": channel},
        )
    return locked


def _end(reservation: Reservation, status: str, now: datetime.datetime, *, release_places: bool) -> None:
    """Inside the reservation lock: end it, free its cards and (if asked) its places in the slot."""
    if release_places:
        for slot_id in sorted(reservation.slot_ids):
            _give_back(slot_id, reservation.party_size)
    reservation.status = status
    reservation.card_links.filter(is_active=True).update(is_active=False)


def reservation_cancel(
    *,
    reservation: Reservation,
    by: User | None,
    channel: str,
    note: str = "",
    now: datetime.datetime | None = None,
) -> Reservation:
    now = now or timezone.now()
    refuse_individual_number(note, field="note")
    with transaction.atomic():
        locked = _lock(reservation)
        _check_changeable(locked, channel=channel, now=now, verb="取消")
        was_booked = locked.status == R.BOOKED  # a hold given up is no booking to tell anyone about
        _end(locked, R.CANCELLED, now, release_places=True)
        _waitlist_nudge(locked.office_id, [locked.date])
        locked.cancelled_at = now
        locked.save(update_fields=["status", "cancelled_at", "updated_at"])
        ReservationEvent.objects.create(
            reservation=locked,
            at=now,
            kind=ReservationEvent.Kind.CANCEL,
            channel=channel,
            actor=by if by is not None and by.is_authenticated else None,
            from_slot=locked.slot,
            note=note,
        )
        audit_record(
            actor=by,
            action=AuditEvent.Action.UPDATE,
            obj=locked,
            detail={"code": locked.code, "to": "cancelled"},
        )
        if was_booked and locked.email:
            transaction.on_commit(lambda: cancellation_send(reservation=locked))
    return locked


def reservation_set_reminder(*, reservation: Reservation, opt_out: bool, by: User | None) -> Reservation:
    with transaction.atomic():
        locked = _lock(reservation)
        locked.reminder_opt_out = opt_out
        locked.save(update_fields=["reminder_opt_out", "updated_at"])
        ReservationEvent.objects.create(
            reservation=locked,
            kind=ReservationEvent.Kind.OPT_OUT,
            actor=by if by is not None and by.is_authenticated else None,
            note="お知らせ不要" if opt_out else "お知らせ希望",
        )
        audit_record(
            actor=by, action=AuditEvent.Action.UPDATE, obj=locked, detail={"reminder_opt_out": opt_out}
        )
    return locked


def reminder_contact_clean(*, email: str = "", mobile: str = "", consent: bool) -> tuple[str, str]:
    """The e-mail address and mobile number (digits) for the reminder, checked; a Japanese message per field."""
    from django.core.validators import validate_email

    from madoguchi.lib.sms import normalize_mobile

    email = (email or "").strip()
    raw_mobile = (mobile or "").strip()
    errors: dict[str, list[str]] = {}
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors["email"] = ["メールアドレスは「name@example.jp」の形で入力してください。"]
    number = normalize_mobile(raw_mobile)
    if raw_mobile and not number:
        errors["mobile"] = [
            "携帯電話番号は 070・080・090 で始まる11桁で入力してください（例: 090-1234-5678）。"
        ]
    if (email or raw_mobile) and not consent:
        errors["consent"] = [
            "お知らせの連絡に使うことへの同意をお客様に確認し、「同意を得た」にチェックしてください。"
        ]
    if errors:
        raise ValidationError(errors)
    return email, number


def reservation_set_contact(
    *, reservation: Reservation, by: User, email: str = "", mobile: str = "", consent: bool
) -> Reservation:
    """Phone bookings: the e-mail address or mobile number the caller gave for the reminder, kept only with
    their consent (the operator asked and ticked it); the consent time is recorded."""
    email, number = reminder_contact_clean(email=email, mobile=mobile, consent=consent)
    with transaction.atomic():
        locked = _lock(reservation)
        locked.email, locked.reminder_mobile = email, number
        locked.reminder_consent_at = timezone.now() if (email or number) else None
        locked.save(update_fields=["email", "reminder_mobile", "reminder_consent_at", "updated_at"])
        ReservationEvent.objects.create(
            reservation=locked,
            kind=ReservationEvent.Kind.OPT_OUT,
            actor=by if by is not None and by.is_authenticated else None,
            note="お知らせの連絡先を変更（"
            + ("・".join(k for k, v in (("メール", email), ("SMS", number)) if v) or "なし")
            + "）",
        )
        audit_record(
            actor=by,
            action=AuditEvent.Action.UPDATE,
            obj=locked,
            detail={"reminder_contact": [k for k, v in (("email", email), ("mobile", number)) if v]},
        )
    return locked


def _sms_text(reservation: Reservation, link: str) -> str:
    slot = reservation.slot
    assert slot is not None
    return (
        f"マイナンバーカードの受取予約は明日 {slot.date.month}/{slot.date.day} {slot.start:%H:%M} "
        f"{reservation.office.name}です。予約番号 {reservation.display_code}。交付通知書と本人確認書類をお持ちください。"
        f"変更・取消: {link}"
    )


# -- at the counter ------------------------------------------------------------------------------------


def reservation_check_in(
    *, reservation: Reservation, by: User, now: datetime.datetime | None = None
) -> Reservation:
    now = now or timezone.now()
    with transaction.atomic():
        locked = _lock(reservation)
        if locked.status != R.BOOKED:
            raise BookingError(
                f"予約番号 {locked.display_code} は「{locked.get_status_display()}」のため来庁受付できません。"
            )
        if locked.date != timezone.localdate(now):
            raise BookingError(
                f"予約番号 {locked.display_code} は{format_date(locked.date)}の予約です（本日ではありません）。"
            )
        locked.status = R.CHECKED_IN
        locked.checked_in_at = now
        locked.save(update_fields=["status", "checked_in_at", "updated_at"])
        ReservationEvent.objects.create(
            reservation=locked, at=now, kind=ReservationEvent.Kind.CHECK_IN, actor=by
        )
        audit_record(actor=by, action=AuditEvent.Action.TRANSITION, obj=locked, detail={"to": "checked_in"})
    return locked


def reservation_no_show(
    *, reservation: Reservation, by: User, now: datetime.datetime | None = None
) -> Reservation:
    """Recorded by a person after the slot, never automatically. The cards become bookable again."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = _lock(reservation)
        if locked.status != R.BOOKED:
            raise BookingError(
                f"予約番号 {locked.display_code} は「{locked.get_status_display()}」のため来庁なしにできません。"
            )
        if locked.slot is None or locked.slot.starts_at > now:
            raise BookingError("予約時刻になる前は「来庁なし」にできません。")
        _end(locked, R.NO_SHOW, now, release_places=False)
        locked.no_show_at = now
        locked.save(update_fields=["status", "no_show_at", "updated_at"])
        ReservationEvent.objects.create(
            reservation=locked, at=now, kind=ReservationEvent.Kind.NO_SHOW, actor=by
        )
        audit_record(actor=by, action=AuditEvent.Action.TRANSITION, obj=locked, detail={"to": "no_show"})
    return locked


def _not_yet_at_counter(card: Card) -> str:
    """Why a bookable card cannot be handed over yet, with the step that fixes it ("" if none applies)."""
    S = Card.State
    if card.is_issuable or card.state not in Card.BOOKABLE_STATES:
        return ""  # issuable, or a state card_transition explains (on hold, issued, ...)
    n = card.notice_number
    if card.state == S.SHIPPED:
        return (
            f"カード {n} は支所でまだ受領されていません。支所送付の画面で受領を記録してから交付してください。"
        )
    if card.needs_shipping and card.state != S.PREPARED:
        return f"カード {n} は当日準備・支所への送付がまだです（{card.get_state_display()}）。交付事務へ連絡してください。"
    if card.needs_shipping:
        return f"カード {n} はまだ支所へ送付されていません。交付事務へ連絡してください。"
    return (
        f"カード {n} はまだ当日準備（取り出し）されていません（{card.get_state_display()}）。"
        "スキャン画面の「当日準備（取り出し）」で記録してから交付してください。"
    )


def reservation_issue(
    *, reservation: Reservation, by: User, now: datetime.datetime | None = None
) -> Reservation:
    """Hand the cards over: every card moves to issued through cards' card_transition, all or none."""
    from madoguchi.cards.services import CardTransitionError, card_transition

    now = now or timezone.now()
    with transaction.atomic():
        locked = _lock(reservation)
        if locked.status not in (R.BOOKED, R.CHECKED_IN):
            raise BookingError(
                f"予約番号 {locked.display_code} は「{locked.get_status_display()}」のため交付できません。"
            )
        if locked.date != timezone.localdate(now):
            raise BookingError(
                f"予約番号 {locked.display_code} は{format_date(locked.date)}の予約です（本日ではありません）。"
            )
        links = list(locked.card_links.filter(is_active=True).select_related("card", "card__pickup_office"))
        for link in links:
            waiting = _not_yet_at_counter(link.card)
            if waiting:
                raise BookingError(waiting)
            try:
                card_transition(
                    card=link.card, to_state=Card.State.ISSUED, by=by, office=locked.office, at=now
                )
            except CardTransitionError as exc:
                raise BookingError(exc.messages[0]) from None
        ReservationCard.objects.filter(pk__in=[link.pk for link in links]).update(
            is_active=False, issued_at=now
        )
        if locked.checked_in_at is None:
            locked.checked_in_at = now
        locked.status = R.ISSUED
        locked.issued_at = now
        locked.save(update_fields=["status", "issued_at", "checked_in_at", "updated_at"])
        ReservationEvent.objects.create(
            reservation=locked, at=now, kind=ReservationEvent.Kind.ISSUE, actor=by, note=f"{len(links)}枚"
        )
        audit_record(
            actor=by,
            action=AuditEvent.Action.TRANSITION,
            obj=locked,
            detail={"to": "issued", "cards": len(links)},
        )
    return locked


def walk_in_record(
    *, cards: Sequence[Card], office: Office, by: User, now: datetime.datetime | None = None
) -> Reservation:
    """A visitor without a booking: recorded as checked in today (no slot, not counted in capacity)."""
    now = now or timezone.now()
    cards = sorted(cards, key=lambda c: c.pk)
    _check_cards(cards)
    _check_card_office(cards, office.pk)
    for _attempt in range(3):
        try:
            with transaction.atomic():
                reservation = Reservation.objects.create(
                    code=new_reference_code(),
                    office=office,
                    slot=None,
                    date=timezone.localdate(now),
                    party_size=len(cards),
                    status=R.CHECKED_IN,
                    channel=Channel.COUNTER,
                    is_walk_in=True,
                    checked_in_at=now,
                    link_nonce=secrets.token_hex(4),
                    created_by=by,
                    created_at=now,
                )
                ReservationCard.objects.bulk_create(
                    [ReservationCard(reservation=reservation, card=c) for c in cards]
                )
                ReservationEvent.objects.create(
                    reservation=reservation,
                    at=now,
                    kind=ReservationEvent.Kind.WALK_IN,
                    channel=Channel.COUNTER,
                    actor=by,
                )
                audit_record(
                    actor=by,
                    action=AuditEvent.Action.CREATE,
                    obj=reservation,
                    detail={"code": reservation.code, "walk_in": True, "people": len(cards)},
                )
        except IntegrityError as exc:
            if _violated(exc) == "code":
                continue
            _check_cards_free(cards)
            raise BookingError("このカードはたった今、別の予約に含まれました。") from None
        return reservation
    raise RuntimeError("could not draw a free reference code")


# -- lookups for other apps and lists -------------------------------------------------------------------


def reservation_by_code(code: str) -> Reservation | None:
    from madoguchi.lib.text import normalize_key

    key = normalize_key(code or "")
    if not key:
        return None
    return Reservation.objects.select_related("office", "slot", "appointment_type").filter(code=key).first()


def active_reservation_for(card: Card) -> Reservation | None:
    link = (
        ReservationCard.objects.filter(card=card, is_active=True)
        .select_related("reservation__slot", "reservation__office")
        .first()
    )
    return link.reservation if link else None


def active_reservations_for(cards: Sequence[Card]) -> dict[int, Reservation]:
    """Card pk → its active reservation, in one query."""
    links = ReservationCard.objects.filter(card__in=[c.pk for c in cards], is_active=True).select_related(
        "reservation__slot", "reservation__office"
    )
    return {link.card_id: link.reservation for link in links}


def booked_notice_numbers(*, office: Office, date: datetime.date) -> list[str]:
    """Notice numbers of the cards booked for pickup at office on date (cards' day-preparation pull list)."""
    return list(
        ReservationCard.objects.filter(
            is_active=True,
            reservation__office=office,
            reservation__date=date,
            reservation__status__in=(R.BOOKED, R.CHECKED_IN),
        )
        .order_by("card__notice_number")
        .values_list("card__notice_number", flat=True)
    )


def day_list(*, office: Office, date: datetime.date) -> list[Reservation]:
    return list(
        Reservation.objects.on_day(office, date)
        .exclude(status__in=(R.CANCELLED, R.EXPIRED, R.HELD))
        .select_related("slot", "appointment_type")
        .prefetch_related("card_links__card")
        .order_by(F("slot__start").asc(nulls_last=True), "created_at")
    )


def month_summary(*, year: int, month: int) -> dict[str, object]:
    """Counts for the monthly report (月報): new, changed, cancelled, issued, no-shows, walk-ins, people."""
    start = _aware(datetime.date(year, month, 1), datetime.time.min)
    nxt = datetime.date(year + (month == 12), month % 12 + 1, 1)
    end = _aware(nxt, datetime.time.min)
    events = ReservationEvent.objects.filter(at__gte=start, at__lt=end)
    by_kind = dict(events.values_list("kind").annotate(n=Count("pk")).values_list("kind", "n"))
    booked = (
        ReservationEvent.objects.filter(at__gte=start, at__lt=end, kind=ReservationEvent.Kind.BOOK)
        .values_list("reservation__channel")
        .annotate(n=Count("pk"))
    )
    channel_labels = dict(Channel.choices)
    return {
        "新規": by_kind.get("book", 0),
        "変更": by_kind.get("change", 0),
        "取消": by_kind.get("cancel", 0),
        "来庁受付": by_kind.get("check_in", 0),
        "予約なし来庁": by_kind.get("walk_in", 0),
        "来庁なし": by_kind.get("no_show", 0),
        "交付": by_kind.get("issue", 0),
        "受付方法別_ja": {channel_labels.get(ch, ch): n for ch, n in booked},
    }


# -- manage links and reminders ------------------------------------------------------------------------

LINK_SALT = "madoguchi.reservations.manage"
LINK_MAX_AGE = 60 * 60 * 24 * 62


def manage_token(reservation: Reservation) -> str:
    """Signed, opaque, no personal data: the reference code and a per-reservation nonce."""
    return signing.dumps({"c": reservation.code, "n": reservation.link_nonce}, salt=LINK_SALT, compress=True)


def reservation_from_token(token: str) -> Reservation | None:
    try:
        data = signing.loads(token, salt=LINK_SALT, max_age=LINK_MAX_AGE)
    except signing.BadSignature:
        return None
    found = Reservation.objects.select_related("office", "slot").filter(code=data.get("c")).first()
    if found is None or not secrets.compare_digest(found.link_nonce, str(data.get("n", ""))):
        return None
    return found


def _mail_text(reservation: Reservation, link: str, *, reminder: bool) -> tuple[str, str]:
    """A pickup booking's (or its reminder's) mail, in the language the resident booked in."""
    from .i18n import date_label, time_label

    slot = reservation.slot
    assert slot is not None
    with translation.override(reservation.language or settings.LANGUAGE_CODE):
        when = f"{date_label(slot.date)} {time_label(slot.start)}–{time_label(slot.end)}"
        values = {"when": when, "code": reservation.display_code, "office": reservation.office.name}
        if reminder:
            subject = _("[Reminder] My Number Card pickup %(when)s") % values
            lead = _("This is a reminder of your My Number Card pickup tomorrow.")
        else:
            subject = _("[Booked] My Number Card pickup %(when)s") % values
            lead = _("We have booked your My Number Card pickup.")
        body = "\n".join(
            [
                lead,
                "",
                _("Reference code: %(code)s") % values,
                _("Date and time: %(when)s") % values,
                _("Office: %(office)s") % values,
                _("People: %(people)s") % {"people": reservation.party_size},
                "",
                _("Please bring the issuance notice (postcard) and your identity documents."),
                _("To see, change or cancel the booking, open this link and press the button on the page:"),
                link,
                _("(If you did not make this booking, please ignore this e-mail.)"),
                "",
            ]
        )
    return subject, body


def confirmation_send(*, reservation: Reservation, base_url: str) -> bool:
    """Email the booking (new or changed) with its manage link and an .ics file (only when there is an address)."""
    if not reservation.email or reservation.slot is None:
        return False
    from django.core.mail import EmailMessage
    from django.urls import reverse

    link = base_url.rstrip("/") + reverse("reservations:public_confirm", args=[manage_token(reservation)])
    subject, body = _mail_text(reservation, link, reminder=False)
    message = EmailMessage(subject, body, None, [reservation.email])
    message.attach(f"予約_{reservation.display_code}.ics", ics_bytes(reservation), "text/calendar")
    message.send()
    logger.info("reservation confirmation sent: %s", reservation.code)
    return True


def day_availability(
    *, office: Office, appointment_type: AppointmentType, people: int, now: datetime.datetime | None = None
) -> dict[datetime.date, tuple[str, list[Slot]]]:
    """For the resident's month calendar: day → (○ / △ / ×, the times that can be booked). One query.

    ○: at least half of the day's times can take `people`; △: some can; ×: none (full). Days without slots (closed)
    are absent."""
    now = now or timezone.now()
    first, last = window_dates(public=True, today=timezone.localdate(now), appointment_type=appointment_type)
    day_slots = list(
        Slot.objects.filter(
            office=office, is_open=True, date__range=(first, last), starts_at__gt=now
        ).order_by("starts_at")
    )
    free = _chain_starts(
        [s for s in day_slots if s.capacity - s.booked >= people], appointment_type.duration_slots
    )
    by_day: dict[datetime.date, list[Slot]] = {}
    for s in day_slots:
        by_day.setdefault(s.date, [])
    for s in free:
        by_day[s.date].append(s)
    totals: dict[datetime.date, int] = {}
    for s in day_slots:
        totals[s.date] = totals.get(s.date, 0) + 1
    result = {}
    for day, times in by_day.items():
        mark = "×" if not times else ("○" if len(times) * 2 >= totals[day] else "△")
        result[day] = (mark, times)
    return result


def ics_bytes(reservation: Reservation, *, cancel: bool = False) -> bytes:
    """The booking as an iCalendar file (RFC 5545): time, place, reference code, what to bring. No personal data.
    `cancel`: METHOD:CANCEL with the same UID, so a calendar that imported the booking removes it."""
    from icalendar import Calendar, Event

    slot = reservation.slot
    assert slot is not None
    last = Slot.objects.filter(pk__in=reservation.slot_ids).order_by("-start").first() or slot
    atype = reservation.appointment_type
    cal = Calendar()
    cal.add("prodid", "-//madoguchi//reservations//JA")
    cal.add("version", "2.0")
    cal.add("method", "CANCEL" if cancel else "PUBLISH")
    event = Event()
    event.add("uid", f"{reservation.code}@madoguchi")
    event.add("sequence", int(timezone.now().timestamp()))
    if cancel:
        event.add("status", "CANCELLED")
    event.add("dtstamp", timezone.now())
    event.add("dtstart", _aware(slot.date, slot.start))
    event.add("dtend", _aware(last.date, last.end))
    event.add(
        "summary",
        f"{atype.name if atype else 'マイナンバーカードの受け取り'}（予約番号 {reservation.display_code}）",
    )
    event.add("location", reservation.office.name)
    bring = atype.bring_list if atype else []
    event.add(
        "description", "持ち物: " + "、".join(bring) if bring else f"予約番号 {reservation.display_code}"
    )
    cal.add_component(event)
    return cal.to_ical()


def _appointment_mail(
    reservation: Reservation, *, link: str, verify: bool, waitlist: bool = False
) -> tuple[str, str]:
    """A booking of any type: the e-mail check (verify) or the final confirmation, in the resident's language."""
    from .i18n import builtin, date_label, time_label

    slot = reservation.slot
    assert slot is not None
    atype = reservation.appointment_type
    with translation.override(reservation.language or settings.LANGUAGE_CODE):
        name = builtin(atype.name if atype else "マイナンバーカードの受け取り")
        values = {
            "name": name,
            "when": f"{date_label(slot.date)} {time_label(slot.start)}",
            "code": reservation.display_code,
            "office": reservation.office.name,
            "until": timezone.localtime(reservation.hold_expires_at).strftime("%H:%M")
            if reservation.hold_expires_at
            else "",
        }
        if verify:
            subject = _("[Please confirm] Booking: %(name)s %(when)s") % values
            lines = [
                _("Your booking (%(name)s, %(when)s, %(office)s) is not final yet.") % values,
                _(
                    "Open this link and press the “Confirm the booking” button (until %(until)s; after that the time "
                    "is given to others):"
                )
                % values,
                link,
                "",
                _("(If you did not make this booking, please ignore this e-mail. Nothing will be booked.)"),
                "",
            ]
            if waitlist:
                subject = _("[Waiting list] A place became free: %(name)s %(when)s") % values
                lines.insert(
                    0,
                    _("A place became free on the day you were waiting for, and we are holding it for you."),
                )
            return subject, "\n".join(lines)
        bring = [f"・{builtin(item)}" for item in (atype.bring_list if atype else [])]
        subject = _("[Booking confirmed] %(name)s %(when)s") % values
        lines = [
            _("Your booking is confirmed: %(name)s.") % values,
            "",
            _("Reference code: %(code)s") % values,
            _("Date and time: %(when)s") % values,
            _("Office: %(office)s") % values,
            _("People: %(people)s") % {"people": reservation.party_size},
            "",
            _("What to bring:"),
            *bring,
            "",
            _("The attached file (.ics) adds the booking to your calendar."),
            _("To cancel, please call the call center."),
            "",
        ]
        return subject, "\n".join(lines)


def appointment_verification_send(*, reservation: Reservation, base_url: str, waitlist: bool = False) -> None:
    """The e-mail a resident must open before the booking is final (the address is proven to be theirs).
    `waitlist`: the place was freed for someone waiting (キャンセル待ち) and is held for them until the limit."""
    from django.urls import reverse

    link = base_url.rstrip("/") + reverse("reservations:public_verify", args=[manage_token(reservation)])
    subject, body = _appointment_mail(reservation, link=link, verify=True, waitlist=waitlist)
    send_mail(subject, body, None, [reservation.email])
    logger.info("reservation e-mail check sent: %s", reservation.code)


def appointment_confirmation_send(*, reservation: Reservation) -> None:
    """The booking is final: date, place, 持ち物 and an .ics file."""
    from django.core.mail import EmailMessage

    subject, body = _appointment_mail(reservation, link="", verify=False)
    message = EmailMessage(subject, body, None, [reservation.email])
    message.attach(f"予約_{reservation.display_code}.ics", ics_bytes(reservation), "text/calendar")
    message.send()
    logger.info("reservation confirmation sent: %s", reservation.code)


def cancellation_send(*, reservation: Reservation) -> bool:
    """Tell the resident the booking is cancelled, with an .ics that removes it from their calendar."""
    if not reservation.email or reservation.slot is None:
        return False
    from django.core.mail import EmailMessage

    from .i18n import date_label, time_label

    slot = reservation.slot
    with translation.override(reservation.language or settings.LANGUAGE_CODE):
        values = {
            "code": reservation.display_code,
            "when": f"{date_label(slot.date)} {time_label(slot.start)}",
            "office": reservation.office.name,
        }
        subject = _("[Booking cancelled] Reference code %(code)s %(when)s") % values
        body = "\n".join(
            [
                _("The following booking has been cancelled.") % values,
                "",
                _("Reference code: %(code)s") % values,
                _("Date and time: %(when)s") % values,
                _("Office: %(office)s") % values,
                "",
                _("The attached file (.ics) removes it from your calendar."),
                _("(If you did not cancel this booking, please call the call center.)"),
                "",
            ]
        )
    message = EmailMessage(subject, body, None, [reservation.email])
    message.attach(
        f"取消_{reservation.display_code}.ics", ics_bytes(reservation, cancel=True), "text/calendar"
    )
    message.send()
    logger.info("reservation cancellation sent: %s", reservation.code)
    return True


def reminders_due(*, day: datetime.date) -> Iterable[Reservation]:
    return (
        Reservation.objects.filter(
            date=day, status=R.BOOKED, reminder_opt_out=False, reminder_sent_at__isnull=True
        )
        .exclude(email="", reminder_mobile="")
        .select_related("office", "slot")
        .order_by("pk")
    )


def reminders_send(
    *, day: datetime.date | None = None, now: datetime.datetime | None = None
) -> tuple[int, int]:
    """Email every booking of `day` (default tomorrow) once. Returns (sent, failed).

    Each booking is claimed with a conditional UPDATE before sending, so two runs at once, or a second run,
    never send it twice; a failed send gives the claim back for the next run.
    """
    from django.urls import reverse

    now = now or timezone.now()
    day = day or timezone.localdate(now) + datetime.timedelta(days=1)
    base = rules().public_base_url
    sent = failed = 0
    for reservation in reminders_due(day=day):
        claimed = Reservation.objects.filter(
            pk=reservation.pk, reminder_sent_at__isnull=True, status=R.BOOKED
        ).update(reminder_sent_at=now)
        if not claimed:
            continue
        link = base + reverse("reservations:public_confirm", args=[manage_token(reservation)])
        subject, body = _mail_text(reservation, link, reminder=True)
        try:
            if reservation.email:
                send_mail(subject, body, None, [reservation.email])
            else:  # a phone booking that gave a mobile number (with consent)
                send_sms(to=reservation.reminder_mobile, body=_sms_text(reservation, link))
        except (smtplib.SMTPException, OSError, SmsError):  # refused or unreachable: try next run
            Reservation.objects.filter(pk=reservation.pk).update(reminder_sent_at=None)
            logger.warning("reminder failed: %s", reservation.code)
            failed += 1
            continue
        ReservationEvent.objects.create(reservation=reservation, at=now, kind=ReservationEvent.Kind.REMINDER)
        sent += 1
    return sent, failed


def holds_release(*, now: datetime.datetime | None = None) -> int:
    """Give back the places of expired holds (also done lazily when a slot fills). Returns people released.

    One hold per transaction, taken with SKIP LOCKED (a hold being confirmed right now is left alone), then its
    slots in pk order: the lock order of every other write.
    """
    now = now or timezone.now()
    total = 0
    ids = list(
        Reservation.objects.filter(status=R.HELD, hold_expires_at__lte=now)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for pk in ids:
        with transaction.atomic():
            locked = list(
                Reservation.objects.filter(pk=pk, status=R.HELD, hold_expires_at__lte=now)
                .order_by("pk")
                .select_for_update(of=("self",), skip_locked=True)
                .only("pk", "party_size", "slot_id", "extra_slot_ids", "office_id", "date")
            )
            total += _expire(locked, now)
            for r in locked:
                r.status = R.EXPIRED
                waitlist_settle(reservation=r)
                _waitlist_nudge(r.office_id, [r.date])
    return total


COUNTED_STATUSES = Reservation.ACTIVE_STATUSES + (R.NO_SHOW, R.ISSUED)


def slot_counts_consistent(*, office: Office | None = None) -> list[int]:
    """Slots whose counter differs from the reservations holding places in them (should always be empty)."""
    slots = Slot.objects.all() if office is None else Slot.objects.filter(office=office)
    counters = dict(slots.values_list("pk", "booked"))
    people: dict[int, int] = {}
    holding = Reservation.objects.filter(status__in=COUNTED_STATUSES, slot__isnull=False)
    if office is not None:
        holding = holding.filter(office=office)
    for slot_id, extra, size in holding.values_list("slot_id", "extra_slot_ids", "party_size"):
        for sid in [slot_id, *(extra or [])]:
            people[sid] = people.get(sid, 0) + size
    return sorted(pk for pk, booked in counters.items() if people.get(pk, 0) != booked)


# -- waitlist (キャンセル待ち) ----------------------------------------------------------------------------

WAITLIST_KIND = "reservations.offer_waitlist"


def _offer_minutes() -> int:
    return int(getattr(settings, "MADOGUCHI_WAITLIST_OFFER_MINUTES", 60))


def waitlist_join(
    *,
    appointment_type: AppointmentType,
    office: Office,
    date: datetime.date,
    person: Person | None = None,
    cards: Sequence[Card] = (),
    people: int = 1,
    email: str,
    language: str = "ja",
) -> WaitlistEntry:
    """A resident waits for a place on a full day; audited without personal values. A pickup waits with its
    cards (checked as a booking would check them), every other type with the person the type asks for."""
    refuse_individual_number(email, field="email")
    if "@" not in email or len(email.strip()) > 200:
        raise BookingError("メールアドレスを正しく入力してください。", code="email_bad")
    if appointment_type.is_pickup:
        _check_cards(cards)
        _check_card_office(cards, office.pk)
        _check_cards_free(cards)
        people = len(cards)
        person = Person(name="", birth_date=None, phone="", expiry_notice_number="")
    else:
        person = _check_person(appointment_type, person)
    _check_type(appointment_type, channel=Channel.WEB, people=people, office_ids=None)
    with transaction.atomic():
        entry = WaitlistEntry.objects.create(
            appointment_type=appointment_type,
            office=office,
            date=date,
            people=people,
            card_ids=sorted(c.pk for c in cards),
            language=language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE,
            email=email.strip(),
            person_name=person.name.strip(),
            person_birth_date=person.birth_date,  # type: ignore[misc]
            person_phone=person.phone.strip(),
            expiry_notice_number=person.expiry_notice_number.strip(),
        )
        audit_record(
            actor=None,
            action=AuditEvent.Action.CREATE,
            obj=entry,
            detail={"type": appointment_type.code, "office": office.code, "date": date.isoformat()},
        )
    return entry


def _waitlist_nudge(office_id: int, dates: Iterable[datetime.date]) -> None:
    """After places were freed: queue the offer job for each (office, day) someone waits for (on commit)."""
    waiting = sorted(
        set(
            WaitlistEntry.objects.filter(
                office_id=office_id, date__in=list(dates), status=WaitlistEntry.Status.WAITING
            ).values_list("date", flat=True)
        )
    )
    for day in waiting:

        def start(day: datetime.date = day) -> None:
            from madoguchi.jobs.services import JobAlreadyRunning, job_start

            try:
                job_start(
                    kind=WAITLIST_KIND,
                    params={"office_id": office_id, "date": day.isoformat()},
                    user=None,
                    lock_key=f"{WAITLIST_KIND}:{office_id}:{day.isoformat()}",
                )
            except JobAlreadyRunning:
                pass  # the queued or running offer run reads the freed places when it gets there

        transaction.on_commit(start)


def waitlist_offer(*, office: Office, date: datetime.date, base_url: str) -> int:
    """Offer freed places of one office and day to those waiting, first come first served: each offer is a hold
    for MADOGUCHI_WAITLIST_OFFER_MINUTES (60) with the e-mail link that makes it final. Returns offers made."""
    offered = 0
    for entry in WaitlistEntry.objects.filter(
        office=office, date=date, status=WaitlistEntry.Status.WAITING
    ).select_related("appointment_type"):
        atype = entry.appointment_type
        free = slots_free(office=office, people=entry.people, public=True, date=date, appointment_type=atype)
        held = None
        cards = list(Card.objects.filter(pk__in=entry.card_ids).select_related("pickup_office"))
        for slot in free:
            try:
                held = appointment_book(
                    appointment_type=atype,
                    slot=slot,
                    by=None,
                    channel=Channel.WEB,
                    cards=cards,
                    person=None
                    if atype.is_pickup
                    else Person(
                        name=entry.person_name,
                        birth_date=entry.person_birth_date,  # type: ignore[arg-type]
                        phone=entry.person_phone,
                        expiry_notice_number=entry.expiry_notice_number,
                    ),
                    people=entry.people,
                    email=entry.email,
                    language=entry.language,
                    hold=True,
                    hold_minutes=_offer_minutes(),
                )
                break
            except SlotFullError:
                continue  # taken meanwhile: try the next time of the day
            except BookingError:
                held = None  # the cards were booked another way meanwhile, the type closed, …
                WaitlistEntry.objects.filter(pk=entry.pk).update(status=WaitlistEntry.Status.LAPSED)
                break
        if held is None:
            continue
        WaitlistEntry.objects.filter(pk=entry.pk).update(
            status=WaitlistEntry.Status.OFFERED, offered_reservation=held
        )
        appointment_verification_send(reservation=held, base_url=base_url, waitlist=True)
        offered += 1
    return offered


def waitlist_settle(*, reservation: Reservation) -> None:
    """The offered hold was confirmed (booked) or lapsed (expired): the entry follows."""
    status = WaitlistEntry.Status.BOOKED if reservation.status == R.BOOKED else WaitlistEntry.Status.LAPSED
    WaitlistEntry.objects.filter(offered_reservation=reservation, status=WaitlistEntry.Status.OFFERED).update(
        status=status
    )


__all__ = [
    "BookingError",
    "Person",
    "appointment_book",
    "appointment_type_get",
    "SlotFullError",
    "booked_notice_numbers",
    "format_code",
    "month_summary",
    "reservation_book",
    "reservation_cancel",
    "reservation_change",
    "slots_free",
    "slots_sync",
]


# --- retention (madoguchi/retention): personal data past its period --------------------------------------


def booking_email_purge(*, before: datetime.datetime, dry_run: bool, holds: Any = ()) -> int:
    """E-mail addresses of bookings whose day is before `before` are erased (the booking stays for the figures).
    Bookings inside a legal hold window are kept."""
    return personal_data_erase(
        queryset=Reservation.objects.filter(date__lt=timezone.localdate(before)).exclude(email=""),
        at_field="date",  # a booking's day: hold windows compared as local dates
        holds=[(timezone.localdate(start), timezone.localdate(end)) for start, end in holds or ()],
        clear={"email": ""},
        dry_run=dry_run,
        what="email",
    )

"""The one booking engine: slots from the calendar, and book / change / cancel / check-in / no-show / issue.

Never a double booking: every write that changes who is in a slot locks the slot row(s)
(`select_for_update`, in primary-key order) inside one transaction, and raises the slot's `booked`
counter with a conditional UPDATE (`booked + n <= capacity`) that the database evaluates on the locked row.
One active reservation per card is a partial unique index (ReservationCard.card where is_active).
Lock order everywhere: reservation row, then slot rows by pk — so changes and cancels cannot deadlock.
"""

from __future__ import annotations

import datetime
import logging
import secrets
import smtplib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q, QuerySet, Sum
from django.utils import timezone

from madoguchi.accounts.models import AuditEvent, User
from madoguchi.accounts.services import audit_record
from madoguchi.calendar.models import Office
from madoguchi.calendar.services import hours_range
from madoguchi.cards.models import Card
from madoguchi.lib.jdates import format_date
from madoguchi.lib.privacy import refuse_individual_number

from .models import (
    CapacityOverride,
    OfficeSlotSettings,
    Reservation,
    ReservationCard,
    ReservationEvent,
    Slot,
    format_code,
    new_reference_code,
)
from .rules import rules

logger = logging.getLogger(__name__)

R = Reservation.Status
Channel = Reservation.Channel
STAFF_CHANNELS = (Channel.PHONE, Channel.COUNTER, Channel.API)


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


def window_dates(*, public: bool, today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    r = rules()
    today = today or timezone.localdate()
    first = today + datetime.timedelta(days=r.min_days_ahead if public else 0)
    return first, today + datetime.timedelta(days=r.max_days_ahead)


def slots_free(
    *,
    office: Office,
    people: int = 1,
    public: bool = False,
    date: datetime.date | None = None,
    limit: int | None = None,
    now: datetime.datetime | None = None,
    sync: bool = True,
) -> list[Slot]:
    """Open future slots inside the booking window with room for `people`, earliest first."""
    now = now or timezone.now()
    first, last = window_dates(public=public, today=timezone.localdate(now))
    if date is not None:
        if not first <= date <= last:
            return []
        first = last = date
    if sync:
        slots_sync(office=office, start=first, end=last)
    qs = (
        Slot.objects.with_room_for(people)
        .filter(office=office, date__range=(first, last), starts_at__gt=now)
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
) -> SyncResult:
    """Change an office's slot length or capacity; re-sync the window and return affected bookings."""
    if not 5 <= slot_minutes <= 240:
        raise BookingError("1枠の長さは5〜240分で指定してください。")
    with transaction.atomic():
        conf, _ = OfficeSlotSettings.objects.get_or_create(office=office)
        before = {"slot_minutes": conf.slot_minutes, "capacity": conf.capacity}
        conf.slot_minutes, conf.windows, conf.people_per_window = slot_minutes, windows, people_per_window
        conf.save(update_fields=["slot_minutes", "windows", "people_per_window", "updated_at"])
        start, end = window_dates(public=False)
        result = slots_sync(office=office, start=start, end=end)
        audit_record(
            actor=by,
            action=AuditEvent.Action.UPDATE,
            obj=conf,
            detail={
                "office": office.code,
                "before": before,
                "after": {"slot_minutes": slot_minutes, "capacity": conf.capacity},
                "affected": len(result.affected),
            },
        )
    return result


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
        override, _ = CapacityOverride.objects.update_or_create(
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


def follow_up_list(*, sync: bool = True) -> list[Reservation]:
    """Active bookings whose slot was withdrawn or overfilled by a calendar or capacity change."""
    if sync:
        start, end = window_dates(public=False)
        for office in Office.objects.active():
            slots_sync(office=office, start=start, end=end)
    return list(follow_up_queryset())


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


def _check_cards(cards: Sequence[Card], office: Office) -> None:
    if not cards:
        raise BookingError("予約するカードを1枚以上選んでください。")
    if len({c.pk for c in cards}) != len(cards):
        raise BookingError("同じカードが2回選ばれています。")
    if len(cards) > rules().max_party:
        raise BookingError(f"1件の予約でお受け取りできるのは{rules().max_party}人までです。")
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
            raise BookingError(f"カード {_label(card)} は{why}ため予約できません。")
        if card.pickup_office_id != office.pk:
            raise BookingError(
                f"カード {_label(card)} の受取庁舎は{card.pickup_office.name}です。{office.name}では予約できません。"
            )
    taken = (
        ReservationCard.objects.filter(card__in=[c.pk for c in cards], is_active=True)
        .select_related("reservation", "card")
        .first()
    )
    if taken is not None:
        raise BookingError(
            f"カード {taken.card.notice_number} はすでに予約があります（予約番号 {taken.reservation.display_code}）。"
            "変更または取消をしてください。"
        )


def _check_window(slot: Slot, *, channel: str, now: datetime.datetime) -> None:
    if not slot.is_open:
        raise BookingError("この枠は受付を停止しています。別の枠を選んでください。")
    if slot.starts_at <= now:
        raise BookingError("過去の枠は予約できません。")
    public = channel == Channel.WEB
    first, last = window_dates(public=public, today=timezone.localdate(now))
    if slot.date > last:
        raise BookingError(f"予約は{format_date(last)}までの枠で受け付けています。")
    if slot.date < first:
        raise BookingError(f"Webでの予約は{format_date(first)}以降の枠で受け付けています。")


def _release_expired_holds(slot: Slot, now: datetime.datetime) -> int:
    """Inside the slot lock: expired holds give their places back."""
    expired = list(
        Reservation.objects.filter(slot=slot, status=R.HELD, hold_expires_at__lte=now)
        .order_by("pk")
        .select_for_update(of=("self",))
    )
    if not expired:
        return 0
    people = sum(r.party_size for r in expired)
    Reservation.objects.filter(pk__in=[r.pk for r in expired]).update(status=R.EXPIRED, updated_at=now)
    ReservationCard.objects.filter(reservation__in=expired).update(is_active=False)
    ReservationEvent.objects.bulk_create(
        [
            ReservationEvent(reservation=r, at=now, kind=ReservationEvent.Kind.EXPIRE, from_slot=slot)
            for r in expired
        ]
    )
    Slot.objects.filter(pk=slot.pk).update(booked=F("booked") - people)
    return people


def _take_places(slot: Slot, people: int, now: datetime.datetime) -> None:
    """Raise the counter if there is room; the WHERE clause is evaluated by the database on the locked row."""
    for attempt in range(2):
        taken = Slot.objects.filter(pk=slot.pk, is_open=True, booked__lte=F("capacity") - people).update(
            booked=F("booked") + people
        )
        if taken:
            return
        if attempt == 0 and not _release_expired_holds(slot, now):
            break
    raise SlotFullError(FULL_MESSAGE)


def _new_code() -> str:
    for _ in range(20):
        code = new_reference_code()
        if not Reservation.objects.filter(code=code).exists():
            return code
    raise RuntimeError("could not draw a free reference code")


# Cards already on their way to (or at) the branch need no shipping time.
_AT_OR_TO_BRANCH = {Card.State.SHIPPED, Card.State.RECEIVED_AT_BRANCH}


def _check_branch_lead_time(cards: Sequence[Card], slot: Slot, *, today: datetime.date) -> None:
    """A card collected at a branch must first be pulled and shipped there: refuse slots sooner than that."""
    if slot.office.kind != Office.Kind.BRANCH:
        return
    lead_days = int(getattr(settings, "MADOGUCHI_BRANCH_LEAD_DAYS", 2))
    earliest = today + datetime.timedelta(days=lead_days)
    for card in cards:
        if card.state not in _AT_OR_TO_BRANCH and slot.date < earliest:
            raise BookingError(
                f"カード {_label(card)} は{slot.office.name}へ送付してからの受け取りになるため、"
                f"{format_date(earliest)}以降の枠を選んでください。"
            )


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
) -> Reservation:
    """Book the cards (one person each) into the slot, or hold the places briefly (`hold`, web form).

    Raises SlotFullError (満席) when the slot has no room, BookingError for any other refusal.
    """
    now = now or timezone.now()
    refuse_individual_number(email, field="email")
    cards = list(cards)
    try:
        with transaction.atomic():
            locked = Slot.objects.select_for_update().select_related("office").get(pk=slot.pk)
            _check_window(locked, channel=channel, now=now)
            _check_cards(cards, locked.office)
            _check_branch_lead_time(cards, locked, today=timezone.localdate(now))
            _take_places(locked, len(cards), now)
            reservation = Reservation.objects.create(
                code=_new_code(),
                office=locked.office,
                slot=locked,
                date=locked.date,
                party_size=len(cards),
                status=R.HELD if hold else R.BOOKED,
                channel=channel,
                email=email.strip(),
                language=language if language in ("ja", "en") else "ja",
                reminder_opt_out=reminder_opt_out,
                hold_expires_at=now + datetime.timedelta(minutes=rules().hold_minutes) if hold else None,
                link_nonce=secrets.token_hex(4),
                created_by=by if by is not None and by.is_authenticated else None,
                created_at=now,
            )
            ReservationCard.objects.bulk_create(
                [ReservationCard(reservation=reservation, card=c) for c in cards]
            )
            ReservationEvent.objects.create(
                reservation=reservation,
                at=now,
                kind=ReservationEvent.Kind.HOLD if hold else ReservationEvent.Kind.BOOK,
                channel=channel,
                actor=reservation.created_by,
                to_slot=locked,
            )
            audit_record(
                actor=by,
                action=AuditEvent.Action.CREATE,
                obj=reservation,
                detail={
                    "code": reservation.code,
                    "slot": locked.pk,
                    "people": len(cards),
                    "channel": channel,
                    "hold": hold,
                },
            )
    except IntegrityError:
        # A concurrent booking took one of these cards first (partial unique index): nothing was written.
        raise BookingError(
            "このカードはたった今、別の予約に含まれました。予約状況を確認してください。"
        ) from None
    return reservation


def _lock(reservation: Reservation) -> Reservation:
    return (
        Reservation.objects.select_for_update(of=("self",))
        .select_related("office", "slot")
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
                f"Webでの{verb}は{format_date(deadline)}までです。お手数ですがコールセンターへお電話ください。"
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
            raise BookingError("仮押さえの期限が切れました。もう一度、枠を選んでください。")
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
    """Move a booking to another slot of the same office. Both slots are locked (pk order) in one transaction."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = _lock(reservation)
        _check_changeable(locked, channel=channel, now=now, verb="変更")
        old = locked.slot
        assert old is not None
        if old.pk == slot.pk:
            raise BookingError("現在と同じ枠です。別の枠を選んでください。")
        slots = {
            s.pk: s for s in Slot.objects.select_for_update().filter(pk__in=[old.pk, slot.pk]).order_by("pk")
        }
        target = slots[slot.pk]
        if target.office_id != locked.office_id:
            raise BookingError("受取庁舎が異なる枠には変更できません。受取庁舎はカードごとに決まっています。")
        _check_window(target, channel=channel, now=now)
        _check_branch_lead_time(
            [link.card for link in locked.card_links.filter(is_active=True).select_related("card")],
            target,
            today=timezone.localdate(now),
        )
        _take_places(target, locked.party_size, now)
        Slot.objects.filter(pk=old.pk).update(booked=F("booked") - locked.party_size)
        locked.slot = target
        locked.date = target.date
        locked.reminder_sent_at = None
        locked.save(update_fields=["slot", "date", "reminder_sent_at", "updated_at"])
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
    if release_places and reservation.slot_id is not None:
        Slot.objects.select_for_update().filter(pk=reservation.slot_id).first()
        Slot.objects.filter(pk=reservation.slot_id).update(booked=F("booked") - reservation.party_size)
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
        _end(locked, R.CANCELLED, now, release_places=True)
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
    cards = list(cards)
    try:
        with transaction.atomic():
            _check_cards(cards, office)
            reservation = Reservation.objects.create(
                code=_new_code(),
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
    except IntegrityError:
        raise BookingError("このカードはたった今、別の予約に含まれました。") from None
    return reservation


# -- lookups for other apps and lists -------------------------------------------------------------------


def reservation_by_code(code: str) -> Reservation | None:
    from madoguchi.lib.text import normalize_key

    key = normalize_key(code or "")
    if not key:
        return None
    return Reservation.objects.select_related("office", "slot").filter(code=key).first()


def active_reservation_for(card: Card) -> Reservation | None:
    link = (
        ReservationCard.objects.filter(card=card, is_active=True)
        .select_related("reservation__slot", "reservation__office")
        .first()
    )
    return link.reservation if link else None


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
        .select_related("slot")
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
    slot = reservation.slot
    assert slot is not None
    when_ja = f"{format_date(slot.date)} {slot.start:%H:%M}〜{slot.end:%H:%M}"
    if reservation.language == "en":
        subject = (
            "Reminder: " if reminder else "Booked: "
        ) + f"My Number Card pickup {slot.date:%Y-%m-%d} {slot.start:%H:%M}"
        body = (
            f"{'This is a reminder of' if reminder else 'We have booked'} your My Number Card pickup.\n\n"
            f"Reference code: {reservation.display_code}\n"
            f"Date and time: {slot.date:%A %d %B %Y} {slot.start:%H:%M}-{slot.end:%H:%M}\n"
            f"Office: {reservation.office.name}\n"
            f"People: {reservation.party_size}\n\n"
            "Please bring the issuance notice (postcard) and your identity documents.\n"
            f"To change or cancel, open this link and press the confirm button:\n{link}\n"
        )
        return subject, body
    subject = ("【前日のお知らせ】" if reminder else "【予約完了】") + f"マイナンバーカード受取予約 {when_ja}"
    body = (
        f"マイナンバーカードの受取予約{'は明日です' if reminder else 'を承りました'}。\n\n"
        f"予約番号: {reservation.display_code}\n"
        f"日時: {when_ja}\n"
        f"場所: {reservation.office.name}\n"
        f"人数: {reservation.party_size}人\n\n"
        "交付通知書（はがき）と本人確認書類をお持ちください。\n"
        f"予約の確認・変更・取消は次のリンクを開き、表示されるボタンを押してください。\n{link}\n"
        "（このメールに心当たりがない場合は破棄してください）\n"
    )
    return subject, body


def confirmation_send(*, reservation: Reservation, base_url: str) -> bool:
    """Email the booking with its manage link (only when the resident gave an address)."""
    if not reservation.email or reservation.slot is None:
        return False
    from django.urls import reverse

    link = base_url.rstrip("/") + reverse("reservations:public_confirm", args=[manage_token(reservation)])
    subject, body = _mail_text(reservation, link, reminder=False)
    send_mail(subject, body, None, [reservation.email])
    logger.info("reservation confirmation sent: %s", reservation.code)
    return True


def reminders_due(*, day: datetime.date) -> Iterable[Reservation]:
    return (
        Reservation.objects.filter(
            date=day, status=R.BOOKED, reminder_opt_out=False, reminder_sent_at__isnull=True
        )
        .exclude(email="")
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
            send_mail(subject, body, None, [reservation.email])
        except (smtplib.SMTPException, OSError):  # the mail server refused or is unreachable: try next run
            Reservation.objects.filter(pk=reservation.pk).update(reminder_sent_at=None)
            logger.warning("reminder failed: %s", reservation.code)
            failed += 1
            continue
        ReservationEvent.objects.create(reservation=reservation, at=now, kind=ReservationEvent.Kind.REMINDER)
        sent += 1
    return sent, failed


def holds_release(*, now: datetime.datetime | None = None) -> int:
    """Give back the places of expired holds (also done lazily when a slot fills). Returns people released."""
    now = now or timezone.now()
    total = 0
    slot_ids = (
        Reservation.objects.filter(status=R.HELD, hold_expires_at__lte=now)
        .order_by("slot_id")
        .values_list("slot_id", flat=True)
        .distinct()
    )
    for slot_id in list(slot_ids):
        with transaction.atomic():
            slot = Slot.objects.select_for_update().get(pk=slot_id)
            total += _release_expired_holds(slot, now)
    return total


def slot_counts_consistent(*, office: Office | None = None) -> list[int]:
    """Slots whose counter differs from their active reservations (should always be empty)."""
    qs = Slot.objects.all() if office is None else Slot.objects.filter(office=office)
    qs = qs.annotate(
        people=Sum(
            "reservations__party_size",
            filter=Q(reservations__status__in=Reservation.ACTIVE_STATUSES + (R.NO_SHOW, R.ISSUED)),
        )
    )
    return [s.pk for s in qs if (s.people or 0) != s.booked]


__all__ = [
    "BookingError",
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

"""Floor guidance counting and the Mynaportal support log; month summaries for the monthly report."""

from __future__ import annotations

import datetime
import uuid
from collections import Counter
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from madoguchi.accounts.models import AuditEvent, User
from madoguchi.accounts.services import audit_record, personal_data_erase
from madoguchi.calendar.models import Office
from madoguchi.calendar.services import hours_for

from .models import GuidanceTap, MynaportalAssist, Purpose

# A tap held on the tablet while offline keeps the time it was made, if that time is believable.
QUEUED_TAP_MAX_AGE = datetime.timedelta(hours=12)
CLOCK_SKEW = datetime.timedelta(minutes=2)


def tap_time(at: datetime.datetime | None) -> datetime.datetime:
    """The time a tap is counted at: the tablet's time when it is within the last 12 hours (a tap queued
    while offline), else now (a tablet clock that is off never moves a tap to another day)."""
    now = timezone.now()
    if at is None or timezone.is_naive(at) or not now - QUEUED_TAP_MAX_AGE <= at <= now + CLOCK_SKEW:
        return now
    return min(at, now)


def guidance_tap(
    *,
    by: User,
    office: Office,
    purpose: str,
    key: uuid.UUID | None = None,
    at: datetime.datetime | None = None,
) -> GuidanceTap:
    """Count one visitor guided (now, or at the time the tablet queued it). A key seen before returns the tap
    already counted: sending a tap again never counts it twice."""
    if purpose not in Purpose.values:
        raise ValidationError({"purpose": "用件が正しくありません。"})
    if key is not None:
        existing = GuidanceTap.objects.filter(key=key).first()
        if existing is not None:
            return existing
    when = tap_time(at)
    try:
        with transaction.atomic():
            tap = GuidanceTap.objects.create(
                office=office, purpose=purpose, at=when, day=timezone.localdate(when), by=by, key=key
            )
            audit_record(
                actor=by,
                action=AuditEvent.Action.CREATE,
                obj=tap,
                detail={"purpose": purpose, "office": office.code, "queued": at is not None},
            )
    except IntegrityError:
        # The same key arrived twice at once (two tabs, a retry racing its original): the other one counted it.
        if key is None:
            raise
        return GuidanceTap.objects.get(key=key)
    return tap


def guidance_undo(*, by: User, office: Office, key: uuid.UUID | None = None) -> GuidanceTap:
    """Take back this user's latest tap of today at this office. Nothing left to undo is an error, so a count
    never goes below zero. An undo sent again with the same key takes back nothing more."""
    today = timezone.localdate()
    if key is not None:
        done = GuidanceTap.objects.filter(undo_key=key).first()
        if done is not None:
            return done
    with transaction.atomic():
        tap = (
            GuidanceTap.objects.select_for_update()
            .counted()
            .on(office.pk, today)
            .filter(by=by)
            .order_by("-at", "-id")
            .first()
        )
        if key is not None and GuidanceTap.objects.filter(undo_key=key).exists():
            return GuidanceTap.objects.get(
                undo_key=key
            )  # the same undo, committed while we waited for the lock
        if tap is None:
            raise ValidationError("取り消せる記録がありません（本日ご自身が記録したものだけ取り消せます）。")
        tap.undone_at = timezone.now()
        tap.undo_key = key
        tap.save(update_fields=["undone_at", "undo_key"])
        audit_record(
            actor=by,
            action=AuditEvent.Action.UPDATE,
            obj=tap,
            detail={"undone": True, "purpose": tap.purpose},
        )
    return tap


def day_counts(*, office: Office, date: datetime.date) -> dict[str, Any]:
    """Counts of one office's day: per purpose, per hour × purpose, and the total."""
    taps = list(GuidanceTap.objects.counted().on(office.pk, date).values_list("purpose", "at"))
    by_purpose = Counter(purpose for purpose, _ in taps)
    by_hour: dict[int, Counter[str]] = {}
    for purpose, at in taps:
        hour = timezone.localtime(at).hour
        by_hour.setdefault(hour, Counter())[purpose] += 1
    # Every hour the office is open that day (from the calendar: evening and special openings included),
    # and any hour in which visitors were counted outside them.
    day = hours_for(office, date)
    open_hours: set[int] = set()
    if day.is_open and day.opens and day.closes:
        last = day.closes.hour - (1 if (day.closes.minute, day.closes.second) == (0, 0) else 0)
        open_hours = set(range(day.opens.hour, last + 1))
    hours = sorted(open_hours | set(by_hour))
    return {
        "total": len(taps),
        "by_purpose": {p.value: by_purpose.get(p.value, 0) for p in Purpose},
        "hours": [
            {
                "hour": h,
                "label": f"{h}時台",
                "counts": [by_hour.get(h, Counter()).get(p.value, 0) for p in Purpose],
                "total": sum(by_hour.get(h, Counter()).values()),
            }
            for h in hours
        ],
    }


def assist_record(
    *,
    by: User,
    office: Office,
    topic: str,
    outcome: str,
    minutes: int | None = None,
    follow_up: bool = False,
    contact_name: str = "",
    contact_phone: str = "",
    note: str = "",
) -> MynaportalAssist:
    """Log one Mynaportal assist (contact details only with a follow-up; never in the audit row)."""
    assist = MynaportalAssist(
        at=timezone.now(),
        office=office,
        topic=topic,
        outcome=outcome,
        minutes=minutes,
        follow_up=follow_up,
        contact_name=(contact_name or "").strip(),
        contact_phone=(contact_phone or "").strip(),
        note=(note or "").strip(),
        by=by,
    )
    assist.full_clean()
    with transaction.atomic():
        assist.save()
        audit_record(
            actor=by,
            action=AuditEvent.Action.CREATE,
            obj=assist,
            detail={"topic": topic, "outcome": outcome, "has_contact": assist.has_contact},
        )
    return assist


def month_summary(*, year: int, month: int) -> dict[str, Any]:
    """Visitors guided by purpose and Mynaportal assists by topic and outcome, for the monthly report."""
    first = datetime.date(year, month, 1)
    next_first = (first + datetime.timedelta(days=32)).replace(day=1)
    taps = Counter(
        GuidanceTap.objects.counted()
        .filter(day__gte=first, day__lt=next_first)
        .values_list("purpose", flat=True)
    )
    tz = timezone.get_current_timezone()
    start = datetime.datetime.combine(first, datetime.time.min, tzinfo=tz)
    end = datetime.datetime.combine(next_first, datetime.time.min, tzinfo=tz)
    assists = list(MynaportalAssist.objects.filter(at__gte=start, at__lt=end).values_list("topic", "outcome"))
    topics = Counter(t for t, _ in assists)
    outcomes = Counter(o for _, o in assists)
    return {
        "year": year,
        "month": month,
        "guidance_total": sum(taps.values()),
        "guidance_by_purpose": {p.value: taps.get(p.value, 0) for p in Purpose},
        "guidance_by_purpose_ja": {p.label: taps.get(p.value, 0) for p in Purpose},
        "mynaportal_total": len(assists),
        "mynaportal_by_topic": {t.value: topics.get(t.value, 0) for t in MynaportalAssist.Topic},
        "mynaportal_by_topic_ja": {t.label: topics.get(t.value, 0) for t in MynaportalAssist.Topic},
        "mynaportal_by_outcome": {o.value: outcomes.get(o.value, 0) for o in MynaportalAssist.Outcome},
        "mynaportal_by_outcome_ja": {o.label: outcomes.get(o.value, 0) for o in MynaportalAssist.Outcome},
    }


# --- retention (madoguchi/retention): personal data past its period --------------------------------------


def mynaportal_contact_purge(*, before: datetime.datetime, dry_run: bool, holds: Any = ()) -> int:
    """Contact names and phone numbers of Mynaportal support records from before `before` are erased (the record
    and its counts stay). Records inside a legal hold window are kept."""
    return personal_data_erase(
        queryset=MynaportalAssist.objects.filter(at__lt=before).exclude(contact_name="", contact_phone=""),
        at_field="at",
        holds=holds,
        clear={"contact_name": "", "contact_phone": ""},
        dry_run=dry_run,
        what="contact",
    )

"""The back office's books, computed from the card history (CardEvent): the daily 受払簿 (received, issued,
returned, destroyed, balance) and the 廃棄簿/返納 list, also exported for the card management system.

Undone steps do not count: an event that was undone, and the undo itself, are left out.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from .models import Card, CardEvent

S = Card.State
LEDGER_COLUMNS = ("日付", "受入（到着）", "交付", "返納", "廃棄", "残高（手元のカード）")
DISPOSAL_COLUMNS = ("処理日", "区分", "交付通知書番号", "申請書ID", "種別", "受取庁舎", "理由")


def _counted() -> Q:
    """Events that stand: neither undone nor an undo."""
    return Q(undoes__isnull=True, undone_by__isnull=True)


@dataclass(frozen=True)
class LedgerDay:
    day: datetime.date
    received: int
    issued: int
    returned: int
    destroyed: int
    balance: (
        int  # cards on hand at the end of the day: received so far minus issued/returned/destroyed so far
    )

    def row(self) -> tuple[object, ...]:
        return (self.day.isoformat(), self.received, self.issued, self.returned, self.destroyed, self.balance)


def _day_counts(start: datetime.date | None, end: datetime.date) -> dict[tuple[datetime.date, str], int]:
    tz = timezone.get_current_timezone()
    events = CardEvent.objects.filter(
        _counted(), to_state__in=(S.RECEIVED, S.ISSUED, S.RETURNED, S.DESTROYED)
    )
    events = events.filter(at__date__lte=end)
    if start is not None:
        events = events.filter(at__date__gte=start)
    rows = events.annotate(day=TruncDate("at", tzinfo=tz)).values("day", "to_state").annotate(n=Count("pk"))
    return {(r["day"], r["to_state"]): r["n"] for r in rows}


def receipts_ledger(*, start: datetime.date, end: datetime.date) -> list[LedgerDay]:
    """One row per calendar day from start to end (受払簿). A card received counts once (its first 到着)."""
    before = _day_counts(None, start - datetime.timedelta(days=1))
    balance = sum(n for (_d, state), n in before.items() if state == S.RECEIVED) - sum(
        n for (_d, state), n in before.items() if state != S.RECEIVED
    )
    counts = _day_counts(start, end)
    days = []
    day = start
    while day <= end:
        received = counts.get((day, S.RECEIVED), 0)
        issued = counts.get((day, S.ISSUED), 0)
        returned = counts.get((day, S.RETURNED), 0)
        destroyed = counts.get((day, S.DESTROYED), 0)
        balance += received - issued - returned - destroyed
        days.append(LedgerDay(day, received, issued, returned, destroyed, balance))
        day += datetime.timedelta(days=1)
    return days


def disposals(*, start: datetime.date, end: datetime.date) -> list[tuple[object, ...]]:
    """Cards returned to J-LIS or destroyed between start and end (廃棄簿 and the card management system list):
    no name, address or birth date."""
    events = (
        CardEvent.objects.filter(_counted(), to_state__in=(S.RETURNED, S.DESTROYED))
        .filter(at__date__gte=start, at__date__lte=end)
        .select_related("card", "card__pickup_office")
        .order_by("at", "pk")
    )
    return [
        (
            timezone.localdate(e.at).isoformat(),
            "返納" if e.to_state == S.RETURNED else "廃棄",
            e.card.notice_number,
            e.card.application_id,
            e.card.get_kind_display(),
            e.card.pickup_office.name,
            e.note,
        )
        for e in events
    ]

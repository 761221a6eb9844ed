"""Published reads of the FAQ app for other apps (the monthly report reads FAQ usage from here)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Q

from .models import FaqEntry, SearchLog


@dataclass(frozen=True)
class EntryUse:
    entry_id: int
    question: str
    count: int


@dataclass(frozen=True)
class FaqUsage:
    """FAQ usage in one calendar month (site time zone)."""

    year: int
    month: int
    searches: int  # operator searches (search-as-you-type counted once per question)
    zero_hit: int  # searches that found nothing
    answered: int  # calls answered with an entry (「この回答で解決」)
    approved_entries: int  # approved entries at the time of reading
    top_answered: list[EntryUse] = field(default_factory=list)  # entries that answered most calls
    top_misses: list[tuple[str, int]] = field(default_factory=list)  # zero-hit queries, most frequent first

    @property
    def zero_hit_rate(self) -> float:
        return self.zero_hit / self.searches if self.searches else 0.0


def _month_bounds(year: int, month: int) -> tuple[datetime.datetime, datetime.datetime]:
    if not 1 <= month <= 12:
        raise ValueError(f"month must be 1..12, got {month}")
    tz = ZoneInfo(settings.TIME_ZONE)
    start = datetime.datetime(year, month, 1, tzinfo=tz)
    end = datetime.datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=tz)
    return start, end


def faq_usage_month(*, year: int, month: int, top: int = 10) -> FaqUsage:
    """Searches, zero-hit searches, answered calls and the most used entries of a month."""
    start, end = _month_bounds(year, month)
    logs = SearchLog.objects.filter(at__gte=start, at__lt=end)
    totals = logs.aggregate(
        searches=Count("id"),
        zero_hit=Count("id", filter=Q(hits=0)),
        answered=Count("id", filter=Q(answered_entry__isnull=False)),
    )
    answered = (
        logs.filter(answered_entry__isnull=False)
        .values("answered_entry", "answered_entry__question")
        .annotate(n=Count("id"))
        .order_by("-n", "answered_entry")[:top]
    )
    misses = logs.filter(hits=0).values("query").annotate(n=Count("id")).order_by("-n", "query")[:top]
    return FaqUsage(
        year=year,
        month=month,
        searches=totals["searches"],
        zero_hit=totals["zero_hit"],
        answered=totals["answered"],
        approved_entries=FaqEntry.objects.approved().count(),
        top_answered=[EntryUse(r["answered_entry"], r["answered_entry__question"], r["n"]) for r in answered],
        top_misses=[(r["query"], r["n"]) for r in misses],
    )

"""Published reads of the call center for other apps (reports, staffing): call-centre figures from the CTI
record and the spec's monthly table.

Definitions (one place, so the report, the screens and the forecast never differ):
- offered (入電): inbound calls that reached the call center lines, whatever became of them;
- answered (応答): an operator talked to the caller (status 終了/通話中);
- abandoned (放棄呼): the caller hung up before anyone answered (status 不応答);
- rolled over (あふれ呼): forwarded to a city line because every line was busy (status 他回線へ転送);
- ringing: still ringing at the moment of counting (only today's figures have these);
- answer rate (応答率) = answered / (offered - ringing);
- talk time = answer → end; wait time = ring → answer (CTI calls only: a hand-entered call has no ring time).
The spec's table (予約 / カードに関する問合せ / その他) counts answered calls by their report column; an answered
call nobody classified is 「区分未入力」, and an unanswered call is never "unclassified": it is abandoned or rolled over.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q, QuerySet
from django.utils import timezone

from .models import Call, Callback, HangupCause, ReportColumn

ANSWERED = (Call.Status.ENDED, Call.Status.ACTIVE)
HALF_HOUR = datetime.timedelta(minutes=30)


@dataclass(frozen=True)
class CallFigures:
    offered: int
    answered: int
    abandoned: int
    rolled_over: int
    ringing: int
    avg_talk_seconds: float | None
    avg_wait_seconds: float | None

    @property
    def answer_rate(self) -> float | None:
        """Answered / (offered − still ringing), 0–1; None when there were no calls."""
        settled = self.offered - self.ringing
        return self.answered / settled if settled else None

    @property
    def answer_rate_label(self) -> str:
        rate = self.answer_rate
        return "—" if rate is None else f"{rate * 100:.1f}%"


@dataclass(frozen=True)
class HalfHourFigures:
    start: datetime.time
    end: datetime.time
    figures: CallFigures


@dataclass(frozen=True)
class MonthCallTable:
    """One month of the spec's call table and what lies beside it."""

    year: int
    month: int
    reservation: int
    card_inquiry: int
    other: int
    unclassified: int  # answered, no report column yet (a reconcile item)
    figures: CallFigures
    by_column: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        """The spec's 計: the three columns (answered and classified calls)."""
        return self.reservation + self.card_inquiry + self.other


def _month_bounds(year: int, month: int) -> tuple[datetime.datetime, datetime.datetime]:
    start = timezone.make_aware(datetime.datetime(year, month, 1))
    end = timezone.make_aware(datetime.datetime(year + (month == 12), month % 12 + 1, 1))
    return start, end


def inbound_calls(*, start: datetime.datetime, end: datetime.datetime) -> QuerySet[Call]:
    """Inbound calls that started in [start, end)."""
    return Call.objects.filter(direction=Call.Direction.INBOUND, started_at__gte=start, started_at__lt=end)


def _figures(qs: QuerySet[Call]) -> CallFigures:
    row = qs.aggregate(
        offered=Count("id"),
        answered=Count("id", filter=Q(status__in=ANSWERED)),
        abandoned=Count("id", filter=Q(status=Call.Status.MISSED)),
        rolled_over=Count("id", filter=Q(status=Call.Status.OVERFLOWED)),
        ringing=Count("id", filter=Q(status=Call.Status.RINGING)),
        talk=Avg("duration_seconds", filter=Q(status__in=ANSWERED, duration_seconds__isnull=False)),
    )
    waits = (
        qs.filter(status__in=ANSWERED, answered_at__isnull=False)
        .annotate(wait=ExpressionWrapper(F("answered_at") - F("started_at"), output_field=DurationField()))
        .aggregate(avg=Avg("wait"))
    )["avg"]
    return CallFigures(
        offered=int(row["offered"]),
        answered=int(row["answered"]),
        abandoned=int(row["abandoned"]),
        rolled_over=int(row["rolled_over"]),
        ringing=int(row["ringing"]),
        avg_talk_seconds=float(row["talk"]) if row["talk"] is not None else None,
        avg_wait_seconds=_seconds(waits),
    )


def _seconds(value: object) -> float | None:
    if value is None:
        return None
    if isinstance(value, datetime.timedelta):
        return value.total_seconds()
    # SQLite returns the average of microsecond durations as a number.
    return float(value) / 1_000_000  # type: ignore[arg-type]


def call_figures(*, start: datetime.datetime, end: datetime.datetime) -> CallFigures:
    """Offered, answered, abandoned, rolled over, answer rate, average talk/wait for calls started in [start, end)."""
    return _figures(inbound_calls(start=start, end=end))


def call_figures_month(*, year: int, month: int) -> CallFigures:
    start, end = _month_bounds(year, month)
    return call_figures(start=start, end=end)


def call_figures_by_half_hour(*, year: int, month: int) -> list[HalfHourFigures]:
    """The month's calls by local half-hour of the day (every half-hour that had a call, in order).

    The rows come from the calls themselves, not from opening hours: a call at 19:10 on a special opening
    day has its row."""
    start, end = _month_bounds(year, month)
    slots: dict[datetime.time, list[tuple[str, datetime.datetime, datetime.datetime | None, int | None]]] = {}
    for started, status, answered_at, duration in inbound_calls(start=start, end=end).values_list(
        "started_at", "status", "answered_at", "duration_seconds"
    ):
        local = timezone.localtime(started)
        slot = datetime.time(local.hour, 30 if local.minute >= 30 else 0)
        slots.setdefault(slot, []).append((status, started, answered_at, duration))
    result = []
    for slot in sorted(slots):
        end_time = (datetime.datetime.combine(datetime.date(2000, 1, 1), slot) + HALF_HOUR).time()
        result.append(HalfHourFigures(start=slot, end=end_time, figures=_figures_of_rows(slots[slot])))
    return result


def _figures_of_rows(
    rows: list[tuple[str, datetime.datetime, datetime.datetime | None, int | None]],
) -> CallFigures:
    answered = [r for r in rows if r[0] in ANSWERED]
    talks = [r[3] for r in answered if r[3] is not None]
    waits = [(r[2] - r[1]).total_seconds() for r in answered if r[2] is not None]
    return CallFigures(
        offered=len(rows),
        answered=len(answered),
        abandoned=sum(1 for r in rows if r[0] == Call.Status.MISSED),
        rolled_over=sum(1 for r in rows if r[0] == Call.Status.OVERFLOWED),
        ringing=sum(1 for r in rows if r[0] == Call.Status.RINGING),
        avg_talk_seconds=sum(talks) / len(talks) if talks else None,
        avg_wait_seconds=sum(waits) / len(waits) if waits else None,
    )


def month_call_table(*, year: int, month: int) -> MonthCallTable:
    """The spec's monthly call table for one month: answered calls by report column, plus the CTI figures."""
    start, end = _month_bounds(year, month)
    qs = inbound_calls(start=start, end=end)
    answered = qs.filter(status__in=ANSWERED)
    row = answered.aggregate(
        reservation=Count("id", filter=Q(category=ReportColumn.RESERVATION)),
        card_inquiry=Count("id", filter=Q(category=ReportColumn.CARD_INQUIRY)),
        other=Count("id", filter=Q(category=ReportColumn.OTHER)),
        unclassified=Count("id", filter=Q(category="")),
    )
    return MonthCallTable(
        year=year,
        month=month,
        reservation=int(row["reservation"]),
        card_inquiry=int(row["card_inquiry"]),
        other=int(row["other"]),
        unclassified=int(row["unclassified"]),
        figures=_figures(qs),
        by_column={k: int(row[k]) for k in ("reservation", "card_inquiry", "other")},
    )


# --- items that would make a month's report wrong (the reconcile screen lists them) -------------


def unclassified_answered_calls(*, year: int, month: int) -> QuerySet[Call]:
    """Answered inbound calls of the month with no report column."""
    start, end = _month_bounds(year, month)
    return (
        inbound_calls(start=start, end=end)
        .filter(status__in=ANSWERED, category="")
        .order_by("started_at", "pk")
    )


def unsettled_calls(*, year: int, month: int) -> QuerySet[Call]:
    """Calls of the month still 着信中/通話中 (a hang-up event never arrived)."""
    start, end = _month_bounds(year, month)
    return (
        inbound_calls(start=start, end=end)
        .filter(status__in=(Call.Status.RINGING, Call.Status.ACTIVE))
        .order_by("started_at", "pk")
    )


def cti_calls_without_record(*, year: int, month: int) -> QuerySet[Call]:
    """Answered CTI calls nobody logged (no operator record: category, outcome)."""
    start, end = _month_bounds(year, month)
    return (
        inbound_calls(start=start, end=end)
        .filter(source=Call.Source.CTI, status__in=ANSWERED, logged_at__isnull=True)
        .order_by("started_at", "pk")
    )


def callbacks_without_outcome(*, year: int, month: int) -> QuerySet[Callback]:
    """Callbacks registered in the month that are still open (no outcome)."""
    start, end = _month_bounds(year, month)
    return Callback.objects.filter(
        status=Callback.Status.OPEN, created_at__gte=start, created_at__lt=end
    ).order_by("created_at", "pk")


def hangup_cause_counts(*, year: int, month: int) -> dict[str, int]:
    """CTI calls of one month (Japan time) by how they ended — answered, busy, no_answer, caller_hung_up — and
    "unknown" for those the PBX has not (yet) reported an end for. Every key is present, zeros included."""
    rows = (
        Call.objects.in_month(year, month)
        .filter(source=Call.Source.CTI)
        .values_list("hangup_cause")
        .annotate(n=Count("pk"))
    )
    result = dict.fromkeys(HangupCause.values, 0) | {"unknown": 0}
    for cause, n in rows:
        result[cause or "unknown"] += n
    return result

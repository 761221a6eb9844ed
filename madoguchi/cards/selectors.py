"""Published reads of cards for other apps (reports): the state of the stock at any moment, from the card
history, so a month's report shows the month-end state forever, whatever happens afterwards."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, OuterRef, QuerySet, Subquery

from madoguchi.calendar.models import Office

from .models import Card, CardEvent


def card_states_as_of(*, at: datetime.datetime, office: Office | None = None) -> QuerySet[Card]:
    """Cards that existed at `at`, each annotated `state_then` = its state at that moment.

    The state at a moment is the `to_state` of the card's last event before it (an undo is an event
    too, so an undone step is not counted). A card with no event before `at` did not exist yet."""
    last = (
        CardEvent.objects.filter(card=OuterRef("pk"), at__lt=at).order_by("-at", "-pk").values("to_state")[:1]
    )
    qs = Card.objects.all()
    if office is not None:
        qs = qs.filter(pickup_office=office)
    return qs.annotate(state_then=Subquery(last)).exclude(state_then__isnull=True)


def card_state_counts_as_of(*, at: datetime.datetime, office: Office | None = None) -> dict[str, int]:
    """{state: number of cards in that state at `at`} (states with no card left out)."""
    rows = (
        card_states_as_of(at=at, office=office)
        .order_by()
        .values_list("state_then")  # type: ignore[misc]
        .annotate(n=Count("id"))
        .values_list("state_then", "n")
    )
    return {state: int(n) for state, n in rows}


def cards_past_holding_as_of(*, at: datetime.datetime, day: datetime.date) -> int:
    """Cards waiting for their holder at `at` whose holding deadline was before `day`."""
    waiting = card_states_as_of(at=at).filter(
        state_then__in=Card.WAITING_STATES,  # type: ignore[misc]
        holding_deadline__lt=day,
    )
    return waiting.count()


def cards_issued_without_date() -> QuerySet[Card]:
    """Cards in an issued state with no issue date (an impossible state)."""
    return Card.objects.filter(
        state__in=(Card.State.ISSUED, Card.State.POST_PROCESSED), issued_on__isnull=True
    ).order_by("notice_number")


def cards_dated_but_not_issued() -> QuerySet[Card]:
    """Cards with an issue date that are not in an issued state (an impossible state)."""
    return (
        Card.objects.filter(issued_on__isnull=False)
        .exclude(state__in=(Card.State.ISSUED, Card.State.POST_PROCESSED))
        .order_by("notice_number")
    )


@dataclass(frozen=True)
class LedgerBook:
    """One of the back office's books for a period, as plain rows (no name, address or birth date)."""

    key: str  # "receipts" (受払簿) or "disposals" (返納・廃棄簿)
    title: str
    columns: tuple[str, ...]
    rows: list[tuple[object, ...]]
    numeric: tuple[int, ...]  # indexes of count columns


def card_ledgers(*, start: datetime.date, end: datetime.date) -> list[LedgerBook]:
    """The 受払簿 (one row per day from start to end inclusive: received, issued, returned, destroyed,
    balance) and the 返納・廃棄簿 (one row per card returned or destroyed) from the card history; undone
    steps are not counted. For the monthly report's appendix and the cards' own downloads."""
    from . import ledgers

    return [
        LedgerBook(
            key="receipts",
            title="受払簿",
            columns=ledgers.LEDGER_COLUMNS,
            rows=[day.row() for day in ledgers.receipts_ledger(start=start, end=end)],
            numeric=(1, 2, 3, 4, 5),
        ),
        LedgerBook(
            key="disposals",
            title="返納・廃棄簿",
            columns=ledgers.DISPOSAL_COLUMNS,
            rows=ledgers.disposals(start=start, end=end),
            numeric=(),
        ),
    ]

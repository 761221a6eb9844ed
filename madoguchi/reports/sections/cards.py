"""Cards: steps done in the period (from the card history), shipments per branch, the stock by state at the
end of the period (from the card history too, so a month's report keeps showing that month's end)."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Count, Q, QuerySet

from madoguchi.calendar.models import Office
from madoguchi.cards import selectors as card_selectors
from madoguchi.cards.models import Card, CardEvent

from . import Period, Section, Table, choice_label, wareki, wareki_datetime

# The steps the city counts, in the order of the work.
STEPS = (
    ("set_up", "交付前設定"),
    ("filed", "ファイリング・収納"),
    ("prepared", "当日準備"),
    ("shipped", "総合支所・市民センターへ送付"),
    ("issued", "交付"),
    ("post_processed", "交付後処理"),
)
ISSUED_STATES = ("issued", "post_processed")


def _events(period: Period) -> QuerySet[CardEvent]:
    # An undo and the step it reverses cancel out: neither counts.
    return CardEvent.objects.filter(**period.dt_range("at")).filter(
        undoes__isnull=True, undone_by__isnull=True
    )


def card_steps(period: Period) -> Section:
    section = Section(key="cards", title="マイナンバーカードの交付前準備・交付後処理")
    events = _events(period)
    by_step = dict(
        events.values_list("to_state").annotate(n=Count("card", distinct=True)).values_list("to_state", "n")
    )
    rows = [[label, section.figure(f"step.{key}", label, by_step.get(key, 0))] for key, label in STEPS]
    issued_by_date = Card.objects.filter(**period.date_range("issued_on")).count()
    rows.append(
        [
            "交付日が記録されたカード（交付日が期間内）",
            section.figure("issued_on", "交付日記録", issued_by_date),
        ]
    )
    section.tables.append(Table("カードの処理件数", ["工程", "枚数"], rows, numeric=(1,)))

    shipped = dict(
        events.filter(to_state="shipped")
        .values_list("card__pickup_office_id")
        .annotate(n=Count("card", distinct=True))
        .values_list("card__pickup_office_id", "n")
    )
    issued = dict(
        events.filter(to_state="issued")
        .values_list("card__pickup_office_id")
        .annotate(n=Count("card", distinct=True))
        .values_list("card__pickup_office_id", "n")
    )
    office_rows = []
    for office in Office.objects.order_by("sort_order", "name"):
        s, i = shipped.get(office.pk, 0), issued.get(office.pk, 0)
        if office.kind != Office.Kind.MAIN or i:
            office_rows.append(
                [
                    office.name,
                    section.figure(f"shipped.{office.code}", f"{office.name} 送付", s),
                    section.figure(f"issued.{office.code}", f"{office.name} 交付", i),
                ]
            )
    section.tables.append(
        Table("庁舎別 送付・交付", ["庁舎", "送付枚数", "交付枚数"], office_rows, numeric=(1, 2))
    )

    stock = card_selectors.card_state_counts_as_of(at=period.as_of_dt)
    stock_rows = [
        [label, section.figure(f"stock.{value}", f"{period.label}末 {label}", stock.get(value, 0))]
        for value, label in Card.State.choices
        if stock.get(value, 0)
    ]
    section.tables.append(
        Table(
            f"状態別のカード枚数（{wareki(period.as_of)} 終了時点）",
            ["状態", "枚数"],
            stock_rows,
            numeric=(1,),
            item_count=sum(stock.values()),
        )
    )
    past_count = card_selectors.cards_past_holding_as_of(at=period.as_of_dt, day=period.as_of)
    section.tables.append(
        Table(
            "保管期限を過ぎたカード",
            ["項目", "枚数"],
            [
                [
                    f"{wareki(period.as_of)} 時点で保管期限を過ぎて未受領",
                    section.figure("past_holding", "保管期限切れ", past_count),
                ]
            ],
            numeric=(1,),
        )
    )
    # Impossible states are listed on the report itself (and on the month-close screen), by notice number.
    missing = list(card_selectors.cards_issued_without_date().values_list("notice_number", flat=True))
    section.figure("missing_issued_on", "交付日未記録", len(missing), volatile=True)
    if missing:
        section.problems.append(
            f"交付済なのに交付日が記録されていないカードが {len(missing):,} 枚あります（交付通知書番号: "
            + "、".join(missing[:200])
            + (f" ほか {len(missing) - 200:,} 枚" if len(missing) > 200 else "")
            + "）。"
        )
    premature = card_selectors.cards_dated_but_not_issued().count()
    if premature:
        section.problems.append(
            f"交付日が記録されているのに交付済になっていないカードが {premature:,} 枚あります。"
        )
    return section


def stock_by_state(period: Period) -> list[tuple[str, int]]:
    """(state label, count) at the end of the period, for the chart."""
    stock = card_selectors.card_state_counts_as_of(at=period.as_of_dt)
    return [(label, stock[value]) for value, label in Card.State.choices if stock.get(value)]


def appendix_rows(period: Period) -> list[list[Any]]:
    """Cards handled in the period, with the time of their last step in it (or past their holding deadline
    at its end): notice number, when, what, office and storage place."""
    last: dict[int, tuple[Any, str]] = {}
    for card_id, at, to_state in (
        _events(period).order_by("at", "pk").values_list("card_id", "at", "to_state")
    ):
        last[card_id] = (at, to_state)
    past = Q(holding_deadline__lt=period.as_of, state__in=Card.WAITING_STATES)
    rows = []
    for pk, notice, state, office, location, deadline in (
        Card.objects.filter(Q(id__in=_events(period).values("card_id")) | past)
        .order_by("notice_number")
        .values_list(
            "pk",
            "notice_number",
            "state",
            "pickup_office__name",
            "storage_location__code",
            "holding_deadline",
        )
    ):
        detail = office or ""
        if location:
            detail += f" / {location}"
        handled = last.get(pk)
        expired = deadline and deadline < period.as_of and state in Card.WAITING_STATES
        rows.append(
            [
                "カード",
                notice,
                wareki_datetime(handled[0]) if handled else "",
                detail,
                choice_label(Card, "state", handled[1] if handled else state),
                f"保管期限 {wareki(deadline)} 経過" if expired else "",
            ]
        )
    return rows


def ledger_tables(period: Period) -> list[Table]:
    """The cards' 受払簿 and 返納・廃棄簿 for the period (up to its 'now'), as further appendices."""
    last = min(period.end - datetime.timedelta(days=1), period.as_of)
    return [
        Table(
            f"カード{book.title}",
            list(book.columns),
            [[_iso_day_to_wareki(v) for v in r] for r in book.rows],
            numeric=book.numeric,
        )
        for book in card_selectors.card_ledgers(start=period.start, end=last)
    ]


def _iso_day_to_wareki(value: Any) -> Any:
    """The books give days as ISO text (2026-11-01); the city's documents print 和暦 (令和8年11月1日)."""
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        try:
            return wareki(datetime.date.fromisoformat(value))
        except ValueError:
            return value
    return value

"""Cards: steps done in the period (from the card history), shipments per branch, holding deadlines."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q

from . import Period, Section, Table, choice_label, model, provide, require_fields, wareki

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


def _events(period: Period) -> Any:
    CardEvent = model("cards.CardEvent")
    require_fields(CardEvent, "at", "to_state", "card")
    qs = CardEvent.objects.filter(**period.dt_range("at"))
    # An undo and the step it reverses cancel out: neither counts.
    if any(f.name == "undoes" for f in CardEvent._meta.get_fields()):
        qs = qs.filter(undoes__isnull=True, undone_by__isnull=True)
    return qs


def card_steps(period: Period) -> Section:
    def build(section: Section) -> None:
        Card = model("cards.Card")
        require_fields(Card, "state", "issued_on", "pickup_office", "holding_deadline", "notice_number")
        events = _events(period)
        by_step = dict(
            events.values_list("to_state")
            .annotate(n=Count("card", distinct=True))
            .values_list("to_state", "n")
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

        shipped = (
            events.filter(to_state="shipped")
            .values_list("card__pickup_office__name")
            .annotate(n=Count("card", distinct=True))
            .order_by("card__pickup_office__sort_order", "card__pickup_office__name")
        )
        issued = dict(
            events.filter(to_state="issued")
            .values_list("card__pickup_office__name")
            .annotate(n=Count("card", distinct=True))
            .values_list("card__pickup_office__name", "n")
        )
        offices = model("calendar.Office").objects.order_by("sort_order", "name")
        shipped_map = dict(shipped)
        office_rows = []
        for office in offices:
            s = shipped_map.get(office.name, 0)
            i = issued.get(office.name, 0)
            if office.kind != "main" or i:
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

        stock = dict(Card.objects.values_list("state").annotate(n=Count("id")).values_list("state", "n"))
        stock_rows = [
            [label, section.figure(f"stock.{value}", f"在庫 {label}", stock.get(value, 0), volatile=True)]
            for value, label in Card._meta.get_field("state").choices
            if stock.get(value, 0)
        ]
        section.tables.append(
            Table(
                f"状態別のカード枚数（{wareki(period.as_of)} 時点の現在値）",
                ["状態", "枚数"],
                stock_rows,
                numeric=(1,),
            )
        )
        past = Card.objects.past_holding(period.as_of)  # type: ignore[attr-defined]
        past_count = past.count()
        section.tables.append(
            Table(
                "保管期限を過ぎたカード",
                ["項目", "枚数"],
                [
                    [
                        f"{wareki(period.as_of)} 時点で保管期限を過ぎて未受領",
                        section.figure("past_holding", "保管期限切れ", past_count, volatile=True),
                    ]
                ],
                numeric=(1,),
            )
        )
        # Inconsistent data is listed on the report itself, by notice number only.
        missing = list(
            Card.objects.filter(state__in=ISSUED_STATES, issued_on__isnull=True)
            .order_by("notice_number")
            .values_list("notice_number", flat=True)
        )
        section.figure("missing_issued_on", "交付日未記録", len(missing), volatile=True)
        if missing:
            section.problems.append(
                f"交付済なのに交付日が記録されていないカードが {len(missing):,} 枚あります（交付通知書番号: "
                + "、".join(missing[:200])
                + (f" ほか {len(missing) - 200:,} 枚" if len(missing) > 200 else "")
                + "）。"
            )
        premature = Card.objects.filter(issued_on__isnull=False).exclude(state__in=ISSUED_STATES).count()
        if premature:
            section.problems.append(
                f"交付日が記録されているのに交付済になっていないカードが {premature:,} 枚あります。"
            )

    return provide("cards", "マイナンバーカードの交付前準備・交付後処理", build)


def stock_by_state() -> list[tuple[str, int]]:
    """(state label, count) for the chart; empty if cards are not there."""
    try:
        Card = model("cards.Card")
    except Exception:  # noqa: BLE001
        return []
    stock = dict(Card.objects.values_list("state").annotate(n=Count("id")).values_list("state", "n"))
    return [
        (label, stock[value]) for value, label in Card._meta.get_field("state").choices if stock.get(value)
    ]


def appendix_rows(period: Period) -> list[list[Any]]:
    """Cards with a step in the period or past their holding deadline: notice number, state, office, location."""
    try:
        Card = model("cards.Card")
        events = _events(period)
    except Exception:  # noqa: BLE001
        return []
    ids = events.values("card_id")
    past = Q(holding_deadline__lt=period.as_of, state__in=Card.WAITING_STATES)  # type: ignore[attr-defined]
    rows = []
    for notice, state, office, location, deadline in (
        Card.objects.filter(Q(id__in=ids) | past)
        .order_by("notice_number")
        .values_list(
            "notice_number", "state", "pickup_office__name", "storage_location__code", "holding_deadline"
        )
    ):
        detail = office or ""
        if location:
            detail += f" / {location}"
        rows.append(
            [
                "カード",
                notice,
                f"保管期限 {wareki(deadline)}" if deadline else "",
                detail,
                choice_label(Card, "state", state),
                "保管期限切れ"
                if deadline and deadline < period.as_of and state in Card.WAITING_STATES
                else "",  # type: ignore[attr-defined]
            ]
        )
    return rows

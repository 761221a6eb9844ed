"""Call center: the spec's monthly call table, roll-overs, callbacks and office phone memos."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Count, F, Q

from . import Period, Section, Table, model, provide, require_fields, wareki, wareki_datetime

COLUMNS = (("reservation", "予約"), ("card_inquiry", "カードに関する問合せ"), ("other", "その他"))
TABLE_HEADER = ["月", "予約", "カードに関する問合せ", "その他", "計"]


def fiscal_months(fiscal_year: int, through: datetime.date) -> list[tuple[int, int]]:
    """(year, month) from April of the fiscal year up to and including `through`'s month."""
    months = []
    year, month = fiscal_year, 4
    while (year, month) <= (through.year, through.month) and len(months) < 12:
        months.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _month_counts(year: int, month: int) -> dict[str, int]:
    """The calls app's own definition of the table's cells (so the screen and the report never differ)."""
    try:
        from madoguchi.calls.services import monthly_counts
    except ImportError:
        monthly_counts = None
    if monthly_counts is not None:
        return monthly_counts(year=year, month=month)
    Call = model("calls.Call")
    require_fields(Call, "category", "started_at", "direction", "status")
    counts: dict[str, Any] = Call.objects.in_month(year, month).column_counts()  # type: ignore[attr-defined]
    return counts


def call_table(fiscal_year: int, through: datetime.date) -> Section:
    """Rows per month, columns 予約 / カードに関する問合せ / その他 / 計, with a 計 row: exactly the spec's form."""

    def build(section: Section) -> None:
        model("calls.Call")
        rows: list[list[Any]] = []
        totals = [0, 0, 0, 0]
        unclassified = overflow = 0
        for year, month in fiscal_months(fiscal_year, through):
            counts = _month_counts(year, month)
            cells = [int(counts[key]) for key, _ in COLUMNS]
            cells.append(sum(cells))
            ym = f"{year}-{month:02d}"
            for (key, label), value in zip(COLUMNS, cells, strict=False):
                section.figure(f"{ym}.{key}", f"{month}月 {label}", value)
            section.figure(f"{ym}.total", f"{month}月 計", cells[3])
            rows.append([f"{month}月", *cells])
            totals = [a + b for a, b in zip(totals, cells, strict=True)]
            unclassified += int(counts.get("unclassified", 0))
            overflow += int(counts.get("overflow", 0))
        section.tables.append(
            Table(
                caption=f"コールセンター入電件数【月別】 {_fy_label(fiscal_year)}",
                header=TABLE_HEADER,
                rows=rows,
                total=["計", *totals],
                numeric=(1, 2, 3, 4),
            )
        )
        if unclassified:
            section.problems.append(
                f"区分が未入力の入電が {unclassified:,} 件あります（表の件数に含まれていません）。"
            )
        if overflow:
            section.note = (
                f"他回線へ転送された入電（あふれ呼）は表に含めていません（表の期間で {overflow:,} 件。"
                "当月分は「折り返し・あふれ呼」の欄に示します）。"
            )

    return provide("call_table", "コールセンター入電件数", build)


def _fy_label(fiscal_year: int) -> str:
    era_year = fiscal_year - 2018
    return f"令和{'元' if era_year == 1 else era_year}年度" if era_year >= 1 else f"{fiscal_year}年度"


def callbacks(period: Period) -> Section:
    def build(section: Section) -> None:
        Call = model("calls.Call")
        Callback = model("calls.Callback")
        require_fields(Callback, "created_at", "closed_at", "due_at", "status", "source")
        rollovers = (
            Call.objects.filter(**period.dt_range("started_at"))
            .filter(direction="inbound", status="overflowed")
            .count()
        )
        created = Callback.objects.filter(**period.dt_range("created_at")).aggregate(
            n=Count("id"), from_overflow=Count("id", filter=Q(source="overflow"))
        )
        closed = Callback.objects.filter(status="closed", **period.dt_range("closed_at")).aggregate(
            n=Count("id"), late=Count("id", filter=Q(closed_at__gt=F("due_at")))
        )
        open_overdue = Callback.objects.filter(
            status="open", created_at__lt=period.end_dt, due_at__lt=period.as_of_dt
        ).count()
        still_open = Callback.objects.filter(status="open", created_at__lt=period.end_dt).count()
        rows = [
            ["他回線へ転送された入電（あふれ呼）", section.figure("rollovers", "あふれ呼", rollovers)],
            ["折り返し 登録", section.figure("created", "折り返し登録", created["n"])],
            [
                "　うち あふれ呼から",
                section.figure("created_overflow", "折り返し（あふれ呼）", created["from_overflow"]),
            ],
            ["折り返し 完了", section.figure("closed", "折り返し完了", closed["n"])],
            ["　うち 期限後に完了", section.figure("closed_late", "期限後完了", closed["late"])],
            ["未完了（集計時点）", section.figure("open", "未完了", still_open, volatile=True)],
            ["　うち 期限超過", section.figure("overdue", "期限超過", open_overdue, volatile=True)],
        ]
        section.tables.append(Table("折り返し・あふれ呼", ["項目", "件数"], rows, numeric=(1,)))
        if rollovers and not created["from_overflow"]:
            section.problems.append(
                f"あふれ呼が {rollovers:,} 件ありますが、あふれ呼からの折り返し登録がありません。"
            )

    return provide("callbacks", "折り返し・あふれ呼", build)


def phone_memos(period: Period) -> Section:
    def build(section: Section) -> None:
        PhoneMemo = model("calls.PhoneMemo")
        require_fields(PhoneMemo, "received_at", "kind", "status")
        qs = PhoneMemo.objects.filter(**period.dt_range("received_at"))
        row = qs.aggregate(
            total=Count("id"),
            outside=Count("id", filter=Q(kind="outside")),
            internal=Count("id", filter=Q(kind="internal")),
            done=Count("id", filter=Q(status="done")),
        )
        pending = PhoneMemo.objects.filter(received_at__lt=period.end_dt).exclude(status="done").count()
        rows = [
            ["受電（電話メモ）", section.figure("total", "電話メモ", row["total"])],
            ["　うち 外線", section.figure("outside", "外線", row["outside"])],
            ["　うち 内線", section.figure("internal", "内線", row["internal"])],
            ["対応完了", section.figure("done", "電話メモ完了", row["done"])],
            ["未完了（集計時点）", section.figure("pending", "電話メモ未完了", pending, volatile=True)],
        ]
        section.tables.append(Table("執務室内の電話対応", ["項目", "件数"], rows, numeric=(1,)))

    return provide("phone_memos", "執務室内の電話対応（電話メモ）", build)


def appendix_rows(period: Period) -> list[list[Any]]:
    """Callbacks and phone memos handled in the period: id, dates and status only (no names, numbers, text)."""
    rows: list[list[Any]] = []
    try:
        Callback = model("calls.Callback")
        PhoneMemo = model("calls.PhoneMemo")
    except Exception:  # noqa: BLE001 - a missing app just means nothing to list
        return rows
    touched = (
        Q(**period.dt_range("created_at"))
        | Q(**period.dt_range("closed_at"))
        | Q(status="open", created_at__lt=period.end_dt)
    )
    for cb in Callback.objects.filter(touched).order_by("created_at", "id"):
        rows.append(
            [
                "折り返し",
                f"CB-{cb.pk}",
                wareki_datetime(cb.created_at),
                cb.get_source_display(),
                cb.get_status_display() + (f"（{cb.get_outcome_display()}）" if cb.outcome else ""),
                wareki(cb.closed_at) if cb.closed_at else f"期限 {wareki_datetime(cb.due_at)}",
            ]
        )
    memo_touched = Q(**period.dt_range("received_at")) | (
        Q(received_at__lt=period.end_dt) & ~Q(status="done")
    )
    for memo in PhoneMemo.objects.filter(memo_touched).order_by("received_at", "id"):
        rows.append(
            [
                "電話メモ",
                f"TM-{memo.pk}",
                wareki_datetime(memo.received_at),
                memo.get_kind_display(),
                memo.get_status_display(),
                wareki(memo.done_at) if memo.done_at else "",
            ]
        )
    return rows

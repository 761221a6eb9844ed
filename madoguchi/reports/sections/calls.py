"""Call center: the spec's monthly call table, roll-overs, callbacks and office phone memos."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Count, F, Q

from madoguchi.calls import selectors as call_selectors
from madoguchi.calls.models import Call, Callback, HangupCause, PhoneMemo

from . import Period, Section, Table, wareki_datetime

COLUMNS = (("reservation", "予約"), ("card_inquiry", "カードに関する問合せ"), ("other", "その他"))
TABLE_HEADER = ["月", "予約", "カードに関する問合せ", "その他", "計"]


def fiscal_months(fiscal_year: int, through: datetime.date) -> list[tuple[int, int]]:
    """(year, month) from April of the fiscal year up to and including `through`'s month."""
    months: list[tuple[int, int]] = []
    year, month = fiscal_year, 4
    while (year, month) <= (through.year, through.month) and len(months) < 12:
        months.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def call_table(fiscal_year: int, through: datetime.date) -> Section:
    """Rows per month, columns 予約 / カードに関する問合せ / その他 / 計, with a 計 row: exactly the spec's form.

    Only answered calls are in the columns; unanswered calls are 放棄呼 / あふれ呼 (the next section), and an
    answered call nobody classified is listed as a problem (to be reclassified on the month-close screen)."""
    section = Section(key="call_table", title="コールセンター入電件数")
    rows: list[list[Any]] = []
    totals = [0, 0, 0, 0]
    unclassified = 0
    for year, month in fiscal_months(fiscal_year, through):
        table = call_selectors.month_call_table(year=year, month=month)
        cells = [table.reservation, table.card_inquiry, table.other, table.total]
        ym = f"{year}-{month:02d}"
        for (key, label), value in zip(COLUMNS, cells, strict=False):
            section.figure(f"{ym}.{key}", f"{month}月 {label}", value)
        section.figure(f"{ym}.total", f"{month}月 計", cells[3])
        rows.append([f"{month}月", *cells])
        totals = [a + b for a, b in zip(totals, cells, strict=True)]
        unclassified += table.unclassified
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
            f"応答したのに区分が未入力の入電が {unclassified:,} 件あります（表の件数に含まれていません。"
            "月次締めの画面で区分を訂正してください）。"
        )
    section.note = (
        "表は応答した入電を区分別に数えたものです。応答できなかった入電（放棄呼）と他回線へ転送された入電"
        "（あふれ呼）は「応答状況」の表に示します。"
    )
    return section


def _seconds_label(value: float | None) -> str:
    if value is None:
        return "—"
    minutes, seconds = divmod(round(value), 60)
    return f"{minutes}分{seconds:02d}秒"


def _figure_cells(f: call_selectors.CallFigures) -> list[Any]:
    return [
        f.offered,
        f.answered,
        f.abandoned,
        f.rolled_over,
        f.answer_rate_label,
        _seconds_label(f.avg_talk_seconds),
        _seconds_label(f.avg_wait_seconds),
    ]


FIGURE_HEADER = ["入電", "応答", "放棄呼", "あふれ呼", "応答率", "平均通話時間", "平均待ち時間"]


def answer_figures(period: Period) -> Section:
    """Offered / answered / abandoned / rolled over / answer rate / average talk and wait, per month and per
    half-hour of the day, from the CTI record."""
    section = Section(key="answering", title="入電の応答状況（放棄呼・あふれ呼・応答率）")
    rows: list[list[Any]] = []
    for year, month in _months(period):
        f = call_selectors.call_figures_month(year=year, month=month)
        ym = f"{year}-{month:02d}"
        section.figure(f"{ym}.offered", f"{month}月 入電", f.offered)
        section.figure(f"{ym}.answered", f"{month}月 応答", f.answered)
        section.figure(f"{ym}.abandoned", f"{month}月 放棄呼", f.abandoned)
        section.figure(f"{ym}.rolled_over", f"{month}月 あふれ呼", f.rolled_over)
        rows.append([f"{month}月", *_figure_cells(f)])
    section.tables.append(Table("月別の応答状況", ["月", *FIGURE_HEADER], rows, numeric=(1, 2, 3, 4)))
    if len(_months(period)) == 1:
        year, month = _months(period)[0]
        half = [
            [f"{h.start:%H:%M}〜{h.end:%H:%M}", *_figure_cells(h.figures)]
            for h in call_selectors.call_figures_by_half_hour(year=year, month=month)
        ]
        section.tables.append(
            Table(
                "時間帯別（30分ごと）の応答状況",
                ["時間帯", *FIGURE_HEADER],
                half,
                numeric=(1, 2, 3, 4),
                empty_text="この月の入電はありません。",
            )
        )
    section.tables.append(_hangup_table(period))
    section.note = (
        "応答率 = 応答 ÷ 入電。放棄呼は応答前に切れた入電、あふれ呼は全回線が話し中のため市の回線へ転送された入電です。"
        "待ち時間は着信から応答まで（CTI連携の入電のみ）。終話の理由は交換機（CTI）が通知したもので、"
        "手入力の通話は含みません。"
    )
    return section


HANGUP_KEYS = [*HangupCause.values, "unknown"]
HANGUP_HEADER = ["月", *[str(label) for label in HangupCause.labels], "終話未通知", "計"]


def _hangup_table(period: Period) -> Table:
    """CTI calls per month by how they ended, as the PBX reported it (calls entered by hand are not in it)."""
    rows: list[list[Any]] = []
    totals = [0] * (len(HANGUP_KEYS) + 1)
    for year, month in _months(period):
        counts = call_selectors.hangup_cause_counts(year=year, month=month)
        cells = [counts[key] for key in HANGUP_KEYS]
        cells.append(sum(cells))
        rows.append([f"{month}月", *cells])
        totals = [a + b for a, b in zip(totals, cells, strict=True)]
    return Table(
        "CTI入電の終話の理由（月別）",
        HANGUP_HEADER,
        rows,
        total=["計", *totals] if len(rows) > 1 else None,
        numeric=tuple(range(1, len(HANGUP_HEADER))),
    )


def _months(period: Period) -> list[tuple[int, int]]:
    months = []
    d = period.start.replace(day=1)
    while d < period.end:
        months.append((d.year, d.month))
        d = (d + datetime.timedelta(days=32)).replace(day=1)
    return months


def _fy_label(fiscal_year: int) -> str:
    era_year = fiscal_year - 2018
    return f"令和{'元' if era_year == 1 else era_year}年度" if era_year >= 1 else f"{fiscal_year}年度"


def callbacks(period: Period) -> Section:
    section = Section(key="callbacks", title="折り返し・あふれ呼")
    rollovers = Call.objects.filter(
        direction=Call.Direction.INBOUND, status=Call.Status.OVERFLOWED, **period.dt_range("started_at")
    ).count()
    created = Callback.objects.filter(**period.dt_range("created_at")).aggregate(
        n=Count("id"), from_overflow=Count("id", filter=Q(source=Callback.Source.OVERFLOW))
    )
    closed = Callback.objects.filter(status=Callback.Status.CLOSED, **period.dt_range("closed_at")).aggregate(
        n=Count("id"), late=Count("id", filter=Q(closed_at__gt=F("due_at")))
    )
    # Open at the end of the period: registered before its end and not closed by then (closed later counts).
    open_then = Callback.objects.filter(created_at__lt=period.end_dt).filter(
        Q(closed_at__isnull=True) | Q(closed_at__gte=period.end_dt)
    )
    still_open = open_then.count()
    open_overdue = open_then.filter(due_at__lt=period.end_dt).count()
    rows = [
        ["他回線へ転送された入電（あふれ呼）", section.figure("rollovers", "あふれ呼", rollovers)],
        ["折り返し 登録", section.figure("created", "折り返し登録", created["n"])],
        [
            "　うち あふれ呼から",
            section.figure("created_overflow", "折り返し（あふれ呼）", created["from_overflow"]),
        ],
        ["折り返し 完了", section.figure("closed", "折り返し完了", closed["n"])],
        ["　うち 期限後に完了", section.figure("closed_late", "期限後完了", closed["late"])],
        [f"未完了（{period.label}末時点）", section.figure("open", "未完了", still_open)],
        ["　うち 期限超過", section.figure("overdue", "期限超過", open_overdue)],
    ]
    section.tables.append(Table("折り返し・あふれ呼", ["項目", "件数"], rows, numeric=(1,)))
    if rollovers and not created["from_overflow"]:
        section.problems.append(
            f"あふれ呼が {rollovers:,} 件ありますが、あふれ呼からの折り返し登録がありません。"
        )
    return section


def phone_memos(period: Period) -> Section:
    section = Section(key="phone_memos", title="執務室内の電話対応（電話メモ）")
    qs = PhoneMemo.objects.filter(**period.dt_range("received_at"))
    row = qs.aggregate(
        total=Count("id"),
        outside=Count("id", filter=Q(kind=PhoneMemo.Kind.OUTSIDE)),
        internal=Count("id", filter=Q(kind=PhoneMemo.Kind.INTERNAL)),
        done=Count("id", filter=Q(status=PhoneMemo.Status.DONE)),
    )
    pending = (
        PhoneMemo.objects.filter(received_at__lt=period.end_dt)
        .filter(Q(done_at__isnull=True) | Q(done_at__gte=period.end_dt))
        .count()
    )
    rows = [
        ["受電（電話メモ）", section.figure("total", "電話メモ", row["total"])],
        ["　うち 外線", section.figure("outside", "外線", row["outside"])],
        ["　うち 内線", section.figure("internal", "内線", row["internal"])],
        ["対応完了", section.figure("done", "電話メモ完了", row["done"], volatile=True)],
        [f"未完了（{period.label}末時点）", section.figure("pending", "電話メモ未完了", pending)],
    ]
    section.tables.append(Table("執務室内の電話対応", ["項目", "件数"], rows, numeric=(1,)))
    return section


def appendix_rows(period: Period) -> list[list[Any]]:
    """Callbacks and phone memos handled in the period, each with the time it was handled
    (id, times and status only: no names, numbers or text)."""
    rows: list[list[Any]] = []
    touched = (
        Q(**period.dt_range("created_at"))
        | Q(**period.dt_range("closed_at"))
        | (Q(created_at__lt=period.end_dt) & (Q(closed_at__isnull=True) | Q(closed_at__gte=period.end_dt)))
    )
    for cb in Callback.objects.filter(touched).order_by("created_at", "id"):
        handled = cb.closed_at if cb.closed_at and cb.closed_at < period.end_dt else None
        rows.append(
            [
                "折り返し",
                f"CB-{cb.pk}",
                wareki_datetime(handled or cb.created_at),
                f"{cb.get_source_display()}（登録 {wareki_datetime(cb.created_at)}）",
                (f"完了（{cb.get_outcome_display()}）" if handled else "未完了"),
                "" if handled else f"期限 {wareki_datetime(cb.due_at)}",
            ]
        )
    memo_touched = (
        Q(**period.dt_range("received_at"))
        | Q(**period.dt_range("done_at"))
        | (Q(received_at__lt=period.end_dt) & (Q(done_at__isnull=True) | Q(done_at__gte=period.end_dt)))
    )
    for memo in PhoneMemo.objects.filter(memo_touched).order_by("received_at", "id"):
        done = memo.done_at if memo.done_at and memo.done_at < period.end_dt else None
        rows.append(
            [
                "電話メモ",
                f"TM-{memo.pk}",
                wareki_datetime(done or memo.received_at),
                f"{memo.get_kind_display()}（受電 {wareki_datetime(memo.received_at)}）",
                "対応完了" if done else "未完了",
                "",
            ]
        )
    return rows

"""Sections whose source apps publish a monthly summary service (outreach, floor, incidents), and the
reservations section from the booking history. Each calls its source directly; a failure is an error."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django.db.models import Count

from madoguchi.floor import services as floor_services
from madoguchi.incidents import services as incident_services
from madoguchi.outreach import services as outreach_services
from madoguchi.reservations.models import Reservation, ReservationEvent

from . import Period, Section, Table, wareki, wareki_datetime


def _months(period: Period) -> list[tuple[int, int]]:
    months = []
    d = period.start.replace(day=1)
    while d < period.end:
        months.append((d.year, d.month))
        d = (d + datetime.timedelta(days=32)).replace(day=1)
    return months


# Keys that describe a state at the end of a month (not a flow): for several months, the last one counts.
_STATE_KEYS = {"open_at_month_end"}
_SKIP = {"year", "month"}


def _summary(fn: Callable[..., dict[str, Any]], period: Period) -> dict[str, Any]:
    """Call a source app's `month_summary(year=, month=)` for every month of the period and add the counts up."""
    total: dict[str, Any] = {}
    for year, month in _months(period):
        for key, value in dict(fn(year=year, month=month)).items():
            if key in _SKIP or isinstance(value, bool):
                continue
            if isinstance(value, int):
                total[key] = value if key in _STATE_KEYS else total.get(key, 0) + value
            elif isinstance(value, dict):
                into = total.setdefault(key, {})
                for sub, n in value.items():
                    if isinstance(n, int) and not isinstance(n, bool):
                        into[sub] = into.get(sub, 0) + n
            elif isinstance(value, list):
                total.setdefault(key, []).extend(value)
    return total


def _summary_section(section: Section, caption: str, summary: dict[str, Any], labels: dict[str, str]) -> None:
    """Top-level counts in one table; each breakdown (prefer its Japanese-labelled `_ja` variant) in its own."""
    rows = []
    for key, value in summary.items():
        if isinstance(value, int):
            label = labels.get(key, key)
            rows.append([label, section.figure(key, label, value)])
    section.tables.append(Table(caption, ["項目", "件数"], rows, numeric=(1,)))
    for key, value in summary.items():
        if not isinstance(value, dict) or f"{key}_ja" in summary:
            continue
        base = key.removesuffix("_ja")
        title = labels.get(base, base)
        sub_rows = [
            [str(sub), section.figure(f"{base}.{sub}", f"{title} {sub}", n)] for sub, n in value.items()
        ]
        section.tables.append(Table(title, ["区分", "件数"], sub_rows, numeric=(1,)))


RESERVATION_KINDS = (
    ("book", "新規"),
    ("change", "変更"),
    ("cancel", "取消"),
    ("check_in", "来庁受付"),
    ("no_show", "来庁なし"),
    ("issue", "交付"),
)


def reservations(period: Period) -> Section:
    section = Section(key="reservations", title="受取予約の受付（新規・変更・取消）")
    events = ReservationEvent.objects.filter(**period.dt_range("at"))
    by_kind = dict(events.values_list("kind").annotate(n=Count("id")).values_list("kind", "n"))
    rows = [
        [label, section.figure(key, f"予約 {label}", by_kind.get(key, 0))] for key, label in RESERVATION_KINDS
    ]
    section.tables.append(Table("受取予約の受付・来庁", ["区分", "件数"], rows, numeric=(1,)))
    channels = dict(Reservation.Channel.choices)
    by_channel = (
        events.filter(kind__in=["book", "change", "cancel"])
        .values_list("channel", "kind")
        .annotate(n=Count("id"))
    )
    grid: dict[str, dict[str, int]] = {}
    for channel, kind, n in by_channel:
        grid.setdefault(channel or "", {})[kind] = n
    channel_rows = [
        [
            channels.get(channel, "不明"),
            section.figure(f"{channel}.book", f"{channels.get(channel, '不明')} 新規", kinds.get("book", 0)),
            section.figure(
                f"{channel}.change", f"{channels.get(channel, '不明')} 変更", kinds.get("change", 0)
            ),
            section.figure(
                f"{channel}.cancel", f"{channels.get(channel, '不明')} 取消", kinds.get("cancel", 0)
            ),
        ]
        for channel, kinds in sorted(grid.items())
    ]
    section.tables.append(
        Table("受付方法別", ["受付方法", "新規", "変更", "取消"], channel_rows, numeric=(1, 2, 3))
    )

    return section


def reservation_appendix_rows(period: Period) -> list[list[Any]]:
    """Reservations booked, changed, cancelled, checked in or issued in the period, with the time of the last
    of these (code, pickup date, office, status; no names)."""
    events = ReservationEvent.objects.filter(
        kind__in=[key for key, _ in RESERVATION_KINDS], **period.dt_range("at")
    )
    last: dict[int, tuple[Any, str]] = {}
    kinds = dict(ReservationEvent.Kind.choices)
    for rid, at, kind in events.order_by("at", "pk").values_list("reservation_id", "at", "kind"):
        last[rid] = (at, kind)
    statuses = dict(Reservation.Status.choices)
    rows = []
    for pk, code, day, office, party, status in (
        Reservation.objects.filter(id__in=events.values("reservation_id"))
        .order_by("date", "code")
        .values_list("pk", "code", "date", "office__name", "party_size", "status")
    ):
        at, kind = last[pk]
        rows.append(
            [
                "受取予約",
                code,
                wareki_datetime(at),
                f"{kinds.get(kind, kind)}：{wareki(day)} {office} {party}名",
                statuses.get(status, status),
                "",
            ]
        )
    return rows


def outreach(period: Period) -> Section:
    section = Section(key="outreach", title="出張申請")
    _summary_section(section, "出張申請", _summary(outreach_services.month_summary, period), _LABELS)
    return section


def floor(period: Period) -> Section:
    section = Section(key="floor", title="フロア業務・マイナポータル手続きサポート")
    _summary_section(
        section,
        "フロア案内・マイナポータル手続きサポート",
        _summary(floor_services.month_summary, period),
        _LABELS,
    )
    return section


def incidents(period: Period) -> Section:
    section = Section(key="incidents", title="トラブル・事故等の報告")
    _summary_section(section, "トラブル・事故等", _summary(incident_services.month_summary, period), _LABELS)
    return section


# Labels for summary keys the source apps use; unknown keys are shown as they are.
_LABELS: dict[str, str] = {
    "events": "出張申請の実施回数",
    "windows": "開設した窓口数（延べ）",
    "applications": "申請受付件数",
    "inquiries": "問合せ対応件数",
    "staff_assignments": "従事者の配置（延べ人数）",
    "applications_by_venue": "会場別の申請受付件数",
    "visitors": "来場者数",
    "guidance_total": "フロア案内 合計",
    "guidance_by_purpose": "フロア案内（用件別）",
    "mynaportal_total": "マイナポータル手続きサポート 合計",
    "mynaportal_by_topic": "マイナポータル手続きサポート（手続き別）",
    "mynaportal_by_outcome": "マイナポータル手続きサポート（結果別）",
    "total": "発生件数",
    "by_category": "種類別",
    "by_severity": "重大度別",
    "anti_social": "うち 暴力団等による不当要求",
    "police_reports": "警察への届出",
    "closed_in_month": "期間内に対応完了",
    "open_at_month_end": "期間末で対応中",
}


def outreach_appendix_rows(period: Period) -> list[list[Any]]:
    """Outreach events held in the period: date, venue, windows, applications (no applicant data)."""
    summary = _summary(outreach_services.month_summary, period)
    rows = []
    for item in summary.get("items", []):
        try:
            day = wareki(datetime.date.fromisoformat(item.get("date", "")))
        except (TypeError, ValueError):
            day = item.get("date", "")
        rows.append(
            [
                "出張申請",
                f"OUT-{item.get('id')}",
                day,
                f"{item.get('venue', '')}（{item.get('windows', 0)}窓口）",
                f"申請 {item.get('applications', 0)} 件・問合せ {item.get('inquiries', 0)} 件",
                f"従事者 {item.get('staff', 0)} 名",
            ]
        )
    return rows


def incident_appendix_rows(period: Period) -> list[list[Any]]:
    """Incidents handled in the period: id, date, kind, severity and state (never the free-text summary)."""
    summary = _summary(incident_services.month_summary, period)
    seen: dict[Any, list[Any]] = {}
    for item in summary.get("items", []):
        occurred = item.get("occurred_at", "")
        try:
            occurred = wareki(datetime.datetime.fromisoformat(occurred))
        except (TypeError, ValueError):
            pass
        # A case carried over several months appears once, with its latest state.
        seen[item.get("id")] = [
            "トラブル・事故等",
            f"INC-{item.get('id')}",
            occurred,
            f"{item.get('category_ja', '')}・{item.get('severity_ja', '')}",
            item.get("status_ja", ""),
            "市へ報告済" if item.get("city_notified") else "",
        ]
    return list(seen.values())

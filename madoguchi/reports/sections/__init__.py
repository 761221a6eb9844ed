"""Section providers: one module per source app, each returning plain data for a period.

A provider never renders anything. It reads its source app through that app's published selectors and
services, imported directly: a figure that cannot be computed raises, and the report is not built (a report
with a silently empty section must never reach the city).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Model
from django.utils import timezone

from madoguchi.lib.jdates import format_wareki


@dataclass(frozen=True)
class Period:
    """A half-open date range [start, end) with its label, e.g. 令和8年4月 or 令和8年度（4月〜6月）."""

    start: datetime.date
    end: datetime.date
    label: str
    # "Now" for figures that are a state rather than a flow (open callbacks, cards past deadline):
    # the end of the period, or the present if the period is still running.
    as_of: datetime.date

    @property
    def start_dt(self) -> datetime.datetime:
        return timezone.make_aware(datetime.datetime.combine(self.start, datetime.time.min))

    @property
    def end_dt(self) -> datetime.datetime:
        return timezone.make_aware(datetime.datetime.combine(self.end, datetime.time.min))

    @property
    def as_of_dt(self) -> datetime.datetime:
        end_of_day = timezone.make_aware(
            datetime.datetime.combine(self.as_of + datetime.timedelta(days=1), datetime.time.min)
        )
        return min(end_of_day, timezone.now())

    def dt_range(self, field_name: str) -> dict[str, datetime.datetime]:
        return {f"{field_name}__gte": self.start_dt, f"{field_name}__lt": self.end_dt}

    def date_range(self, field_name: str) -> dict[str, datetime.date]:
        return {f"{field_name}__gte": self.start, f"{field_name}__lt": self.end}


@dataclass
class Table:
    """A table as the city reads it: a caption, column headings, rows of plain values, an optional total row."""

    caption: str
    header: list[str]
    rows: list[list[Any]]
    total: list[Any] | None = None
    # Column indexes holding counts (right-aligned, thousands separators).
    numeric: tuple[int, ...] = ()
    empty_text: str = "該当なし"
    # How many items the table stands for, when that is not its number of rows (a table of counts).
    item_count: int | None = None
    # Column widths as fractions of the printed width (PDF); empty = the renderer's default.
    widths: tuple[float, ...] = ()

    @property
    def items(self) -> int:
        return len(self.rows) if self.item_count is None else self.item_count


@dataclass
class Section:
    key: str
    title: str
    note: str = ""
    tables: list[Table] = field(default_factory=list)
    # Flat figures for the submission snapshot: {"calls.2026-04.reservation": 1096, ...}; labels for people.
    figures: dict[str, int] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    # Inconsistent data found while counting: listed on the report, never silently dropped.
    problems: list[str] = field(default_factory=list)

    # Figures that describe the present state (stock by state, open items) rather than what happened in
    # the period: they move every day, so they are shown but not compared with a submission's snapshot.
    volatile: set[str] = field(default_factory=set)

    def figure(self, key: str, label: str, value: int, *, volatile: bool = False) -> int:
        self.figures[f"{self.key}.{key}"] = int(value)
        self.labels[f"{self.key}.{key}"] = label
        if volatile:
            self.volatile.add(f"{self.key}.{key}")
        return int(value)


def wareki(value: datetime.date | datetime.datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value).date()
    return format_wareki(value)


def wareki_datetime(value: datetime.datetime | None) -> str:
    if value is None:
        return ""
    local = timezone.localtime(value)
    return f"{format_wareki(local.date())} {local:%H:%M}"


def choice_label(model_cls: type[Model], field_name: str, value: Any) -> str:
    choices = dict(getattr(model_cls._meta.get_field(field_name), "choices", None) or [])
    return str(choices.get(value, value or "未設定"))

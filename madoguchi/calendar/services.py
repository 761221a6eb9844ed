"""The one service calendar. Every part of madoguchi asks here whether an office is open and when.

Rules, in order of precedence, for (office, date):
1. a special day for that office, else one for all offices (opening with its hours, or closure);
2. a national or substitute holiday (the `holidays` package, Japan) — closed;
3. the New Year break (settings.MADOGUCHI_NEW_YEAR_BREAK, default Dec 29 – Jan 3) — closed;
4. Saturday and Sunday — closed;
5. otherwise the office's hours, extended on Thursdays (if the office has the evening extension)
   and inside a busy-season range (if the office takes part).
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction

from madoguchi.accounts.models import AuditEvent, User
from madoguchi.accounts.services import audit_record

from .models import BusySeason, Office, SpecialDay

if TYPE_CHECKING:
    from holidays import HolidayBase


@dataclass(frozen=True)
class DayHours:
    date: datetime.date
    office_code: str
    office_name: str
    is_open: bool
    opens: datetime.time | None
    closes: datetime.time | None
    kind: str  # regular, evening, busy_season, special:<kind>, holiday, new_year, weekend, closure
    reason: str

    @property
    def label(self) -> str:
        if not self.is_open:
            return f"休業（{self.reason}）"
        assert self.opens and self.closes
        return f"{self.opens:%-H:%M}〜{self.closes:%-H:%M}" + (f"（{self.reason}）" if self.reason else "")

    def as_dict(self) -> dict[str, object]:
        return {
            "date": self.date.isoformat(),
            "office": self.office_code,
            "open": self.is_open,
            "opens": self.opens.strftime("%H:%M") if self.opens else None,
            "closes": self.closes.strftime("%H:%M") if self.closes else None,
            "kind": self.kind,
            "reason": self.reason,
        }


@functools.lru_cache(maxsize=32)
def _holidays(year: int) -> HolidayBase:
    # `holidays` loads every country's calendar when imported (about 0.5 s): only when a date is asked about.
    import holidays

    return holidays.Japan(years=year, language="ja")


def holiday_name(date: datetime.date) -> str | None:
    return _holidays(date.year).get(date)


def in_new_year_break(date: datetime.date) -> bool:
    (start_m, start_d), (end_m, end_d) = settings.MADOGUCHI_NEW_YEAR_BREAK
    key = (date.month, date.day)
    if (start_m, start_d) <= (end_m, end_d):
        return (start_m, start_d) <= key <= (end_m, end_d)
    return key >= (start_m, start_d) or key <= (end_m, end_d)


class _Context:
    """Special days and busy seasons for a date range, loaded with two queries."""

    def __init__(self, start: datetime.date, end: datetime.date) -> None:
        self.special: dict[tuple[datetime.date, int | None], SpecialDay] = {
            (s.date, s.office_id): s for s in SpecialDay.objects.filter(date__range=(start, end))
        }
        self.busy = list(BusySeason.objects.filter(start__lte=end, end__gte=start))

    def hours(self, office: Office, date: datetime.date) -> DayHours:
        def result(
            is_open: bool, opens: datetime.time | None, closes: datetime.time | None, kind: str, reason: str
        ) -> DayHours:
            return DayHours(date, office.code, office.name, is_open, opens, closes, kind, reason)

        special = self.special.get((date, office.pk)) or self.special.get((date, None))
        if special is not None:
            if special.is_opening:
                return result(
                    True,
                    special.opens,
                    special.closes,
                    f"special:{special.kind}",
                    special.reason or special.get_kind_display(),
                )
            return result(False, None, None, "closure", special.reason or "臨時休業")
        name = holiday_name(date)
        if name:
            return result(False, None, None, "holiday", name)
        if in_new_year_break(date):
            return result(False, None, None, "new_year", "年末年始休業")
        if date.weekday() >= 5:
            return result(False, None, None, "weekend", "土曜日" if date.weekday() == 5 else "日曜日")
        closes, kind, reason = office.closes, "regular", ""
        if office.busy_season_evening:
            for season in self.busy:
                if season.start <= date <= season.end and season.closes > closes:
                    closes, kind, reason = season.closes, "busy_season", f"{season.name}の夜間延長"
        if office.thursday_evening and date.weekday() == 3 and office.evening_closes > closes:
            closes, kind, reason = office.evening_closes, "evening", "木曜夜間延長"
        return result(True, office.opens, closes, kind, reason)


def hours_for(office: Office, date: datetime.date) -> DayHours:
    """Opening hours of one office on one date (or closed, with the reason)."""
    return _Context(date, date).hours(office, date)


def _dates(start: datetime.date, end: datetime.date) -> Iterable[datetime.date]:
    day = start
    while day <= end:
        yield day
        day += datetime.timedelta(days=1)


def hours_range(office: Office, start: datetime.date, end: datetime.date) -> list[DayHours]:
    """Every day of a range for one office, open or not."""
    ctx = _Context(start, end)
    return [ctx.hours(office, d) for d in _dates(start, end)]


def opening_days(office: Office, start: datetime.date, end: datetime.date) -> list[DayHours]:
    """Only the days on which the office is open."""
    return [h for h in hours_range(office, start, end) if h.is_open]


def regular_hours(office: Office | None) -> tuple[datetime.time, datetime.time]:
    """An office's own regular hours; for all offices at once, MADOGUCHI_DEFAULT_OPEN / _CLOSE."""
    if office is not None:
        return office.opens, office.closes
    return (
        datetime.time.fromisoformat(settings.MADOGUCHI_DEFAULT_OPEN),
        datetime.time.fromisoformat(settings.MADOGUCHI_DEFAULT_CLOSE),
    )


class NoMainOffice(LookupError):
    """No active office of kind 本庁: the call center's hours cannot be known."""


def main_office() -> Office:
    """The active main office (本庁), whose hours are the call center's. Raises NoMainOffice (Japanese)."""
    office = Office.objects.active().filter(kind=Office.Kind.MAIN).order_by("sort_order", "pk").first()
    if office is None:
        raise NoMainOffice(
            "本庁（種別「本庁」）の有効な庁舎が登録されていません。カレンダーの庁舎設定で登録してください。"
        )
    return office


def call_center_hours(date: datetime.date) -> DayHours:
    """The call center answers while the main office is open (its evening and special openings included)."""
    return hours_for(main_office(), date)


def office_day_hours(date: datetime.date) -> list[DayHours]:
    """Every active office's hours on one date (dashboard)."""
    ctx = _Context(date, date)
    return [ctx.hours(office, date) for office in Office.objects.active()]


def month_grid(year: int, month: int, offices: list[Office]) -> list[list[dict[str, object]]]:
    """Weeks (Mon–Sun) of a month; each day has its hours per office, or None outside the month."""
    import calendar as pycalendar

    first = datetime.date(year, month, 1)
    last = datetime.date(year, month, pycalendar.monthrange(year, month)[1])
    ctx = _Context(first, last)
    weeks = []
    for week in pycalendar.Calendar(firstweekday=0).monthdatescalendar(year, month):
        weeks.append(
            [
                {"date": d, "in_month": d.month == month, "hours": [ctx.hours(o, d) for o in offices]}
                for d in week
            ]
        )
    return weeks


def special_day_create(
    *,
    by: User,
    date: datetime.date,
    kind: str,
    reason: str,
    office: Office | None = None,
    opens: datetime.time | None = None,
    closes: datetime.time | None = None,
) -> SpecialDay:
    """Add a special opening or closure (validated, audited)."""
    day = SpecialDay(date=date, kind=kind, reason=reason, office=office, opens=opens, closes=closes)
    if day.is_opening:
        default_opens, default_closes = regular_hours(office)
        day.opens = day.opens or default_opens
        day.closes = day.closes or default_closes
    else:
        day.opens = day.closes = None
    day.full_clean()
    with transaction.atomic():
        day.save()
        audit_record(
            actor=by,
            action=AuditEvent.Action.CREATE,
            obj=day,
            detail={"date": date.isoformat(), "kind": kind, "office": office.code if office else "*"},
        )
    return day


def special_day_delete(*, by: User, day: SpecialDay) -> None:
    with transaction.atomic():
        audit_record(
            actor=by,
            action=AuditEvent.Action.DELETE,
            obj=day,
            detail={"date": day.date.isoformat(), "kind": day.kind},
        )
        day.delete()


def busy_season_create(
    *,
    by: User,
    name: str,
    start: datetime.date,
    end: datetime.date,
    closes: datetime.time = datetime.time(19, 0),
) -> BusySeason:
    season = BusySeason(name=name, start=start, end=end, closes=closes)
    season.full_clean()
    with transaction.atomic():
        season.save()
        audit_record(
            actor=by,
            action=AuditEvent.Action.CREATE,
            obj=season,
            detail={"start": start.isoformat(), "end": end.isoformat()},
        )
    return season

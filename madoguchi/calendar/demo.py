"""Kurume FY2026 calendar: the main office and four branch offices, special openings, busy seasons."""

from __future__ import annotations

import datetime
from typing import Any

from .models import BusySeason, Office, SpecialDay

OFFICES = [
    ("honcho", "本庁（市民課）", Office.Kind.MAIN, True, True),
    ("tanushimaru", "田主丸総合支所", Office.Kind.BRANCH, False, False),
    ("kitano", "北野総合支所", Office.Kind.BRANCH, False, False),
    ("jojima", "城島総合支所", Office.Kind.BRANCH, False, False),
    ("mizuma", "三潴総合支所", Office.Kind.BRANCH, False, False),
]


def _holiday_issuance_days() -> list[datetime.date]:
    """The 2nd and 4th Saturday and the last Sunday of every month, FY2026 (2–4 a month, as the spec says)."""
    days = []
    for year, month in [(2026, m) for m in range(4, 13)] + [(2027, m) for m in range(1, 4)]:
        saturdays = [
            datetime.date(year, month, d)
            for d in range(1, 32)
            if _valid(year, month, d) and datetime.date(year, month, d).weekday() == 5
        ]
        sundays = [
            datetime.date(year, month, d)
            for d in range(1, 32)
            if _valid(year, month, d) and datetime.date(year, month, d).weekday() == 6
        ]
        days += [saturdays[1], saturdays[3], sundays[-1]]
    return sorted(days)


def _valid(year: int, month: int, day: int) -> bool:
    try:
        datetime.date(year, month, day)
    except ValueError:
        return False
    return True


def load(*, stdout: Any = None) -> str:
    if Office.objects.exists():
        return ""
    offices = {}
    for i, (code, name, kind, thursday, busy) in enumerate(OFFICES):
        offices[code] = Office.objects.create(
            code=code, name=name, kind=kind, thursday_evening=thursday, busy_season_evening=busy, sort_order=i
        )
    main = offices["honcho"]
    specials = []
    year_end = datetime.date(2026, 12, 27)
    fiscal_year_end = [datetime.date(2027, 3, 27), datetime.date(2027, 3, 28)]
    for day in _holiday_issuance_days():
        if day in (year_end, *fiscal_year_end):
            continue
        specials.append(
            SpecialDay(
                date=day,
                office=main,
                kind=SpecialDay.Kind.HOLIDAY_ISSUANCE,
                opens=datetime.time(8, 30),
                closes=datetime.time(17, 15),
                reason="休日交付",
            )
        )
    specials.append(
        SpecialDay(
            date=year_end,
            office=main,
            kind=SpecialDay.Kind.YEAR_END,
            opens=datetime.time(8, 30),
            closes=datetime.time(17, 15),
            reason="年末開庁",
        )
    )
    for day in fiscal_year_end:
        specials.append(
            SpecialDay(
                date=day,
                office=None,
                kind=SpecialDay.Kind.FISCAL_YEAR_END,
                opens=datetime.time(8, 30),
                closes=datetime.time(17, 15),
                reason="年度末開庁",
            )
        )
    SpecialDay.objects.bulk_create(specials)
    BusySeason.objects.bulk_create(
        [
            BusySeason(
                name="年度初め繁忙期", start=datetime.date(2026, 4, 1), end=datetime.date(2026, 4, 10)
            ),
            BusySeason(name="年度末繁忙期", start=datetime.date(2027, 3, 22), end=datetime.date(2027, 3, 31)),
        ]
    )
    return f"庁舎 {len(offices)}、特別開庁 {len(specials)}日、繁忙期 2"

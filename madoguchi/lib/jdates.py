"""Japanese dates: 2026年4月1日(水) on screen, 令和8年4月1日 in reports, and lenient parsing of input."""

from __future__ import annotations

import datetime
import re

from .text import nfkc

WEEKDAYS = "月火水木金土日"

# (era name, first day, romaji initial)
ERAS = (
    ("令和", datetime.date(2019, 5, 1), "R"),
    ("平成", datetime.date(1989, 1, 8), "H"),
    ("昭和", datetime.date(1926, 12, 25), "S"),
    ("大正", datetime.date(1912, 7, 30), "T"),
    ("明治", datetime.date(1868, 1, 25), "M"),
)


def weekday_ja(d: datetime.date) -> str:
    return WEEKDAYS[d.weekday()]


def format_date(d: datetime.date | None, *, weekday: bool = True) -> str:
    """2026年4月1日(水)."""
    if d is None:
        return ""
    if isinstance(d, datetime.datetime):
        d = d.date()
    text = f"{d.year}年{d.month}月{d.day}日"
    return f"{text}({weekday_ja(d)})" if weekday else text


def format_time(t: datetime.time | None) -> str:
    return "" if t is None else f"{t.hour}:{t.minute:02d}"


def wareki_year(d: datetime.date) -> tuple[str, int]:
    for name, start, _ in ERAS:
        if d >= start:
            return name, d.year - start.year + 1
    raise ValueError("明治より前の日付は和暦にできません。")


def format_wareki(d: datetime.date | None, *, weekday: bool = False) -> str:
    """令和8年4月1日 (元年 for the first year)."""
    if d is None:
        return ""
    if isinstance(d, datetime.datetime):
        d = d.date()
    era, year = wareki_year(d)
    year_text = "元" if year == 1 else str(year)
    text = f"{era}{year_text}年{d.month}月{d.day}日"
    return f"{text}({weekday_ja(d)})" if weekday else text


def fiscal_year(d: datetime.date) -> int:
    """Japanese fiscal year (April to March) by its starting calendar year."""
    return d.year if d.month >= 4 else d.year - 1


_ERA_RE = re.compile(
    r"^(令和|平成|昭和|大正|明治|[RHSTM])\.?\s*(元|\d{1,2})\s*[年./\-]\s*(\d{1,2})\s*[月./\-]\s*(\d{1,2})\s*日?$"
)
_WESTERN_RE = re.compile(r"^(\d{4})\s*[年./\-]\s*(\d{1,2})\s*[月./\-]\s*(\d{1,2})\s*日?$")
_COMPACT_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


def parse_date(value: str) -> datetime.date:
    """Parse 2026-04-01, 2026/4/1, 2026年4月1日, 20260401, 令和8年4月1日, R8.4.1 (full-width too).

    Raises ValueError with a Japanese message.
    """
    text = nfkc(str(value)).strip()
    text = re.sub(r"\([月火水木金土日]\)$", "", text).strip()
    try:
        if m := _ERA_RE.match(text):
            era_key, year_text, month, day = m.groups()
            start = next(s for name, s, initial in ERAS if era_key in (name, initial))
            year = 1 if year_text == "元" else int(year_text)
            d = datetime.date(start.year + year - 1, int(month), int(day))
            if d < start:
                raise ValueError
            return d
        if m := _WESTERN_RE.match(text) or _COMPACT_RE.match(text):
            return datetime.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        raise ValueError(f"「{value}」は存在しない日付です。") from None
    raise ValueError(f"「{value}」は日付として読めません（例: 2026-04-01、2026/4/1、令和8年4月1日）。")

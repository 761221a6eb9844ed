"""The residents' month calendar (○ at least half the times free, △ some, × full), in the visitor's language."""

from __future__ import annotations

import calendar
import datetime

from django.utils.translation import gettext as _

from . import i18n
from .models import Slot


def mark_text(mark: str) -> str:
    """What a mark says, for screen readers and the legend."""
    return {"○": _("places free"), "△": _("few places left"), "×": _("full")}.get(
        mark, _("not taking bookings")
    )


def month_grid(
    days: dict[datetime.date, tuple[str, list[Slot]]], first: datetime.date, last: datetime.date
) -> list[dict[str, object]]:
    """Months (Monday-first weeks) covering the booking window; each cell: date, mark ('' = no bookings that
    day), whether it can be chosen, and a label for screen readers ("3 December 2026 (Thu), places free")."""
    months = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        weeks = []
        for week in calendar.Calendar(firstweekday=0).monthdatescalendar(year, month):
            row = []
            for d in week:
                mark = days[d][0] if d in days else ""
                row.append(
                    {
                        "date": d,
                        "in_month": d.month == month,
                        "mark": mark,
                        "bookable": bool(mark) and mark != "×",
                        "label": f"{i18n.date_label(d)} {mark_text(mark)}",
                    }
                )
            weeks.append(row)
        months.append(
            {"year": year, "month": month, "caption": i18n.month_label(year, month), "weeks": weeks}
        )
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months

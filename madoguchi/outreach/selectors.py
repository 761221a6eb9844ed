"""Reads other apps make of outreach (published interface).

`staff_assignments_between` is read by staffing: an outreach assignment is a fixed shift of the month's roster
(the person works at the venue that day; the solver books them nowhere else and counts the hours)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from .models import OutreachEvent, StaffAssignment


@dataclass(frozen=True)
class AssignedDay:
    member_id: int
    date: datetime.date
    starts: datetime.time
    ends: datetime.time
    venue: str
    event_id: int


def staff_assignments_between(first: datetime.date, last: datetime.date) -> list[AssignedDay]:
    """Every staff assignment of a not-cancelled event dated first..last, by date then member."""
    rows = (
        StaffAssignment.objects.filter(event__date__range=(first, last))
        .exclude(event__status=OutreachEvent.Status.CANCELLED)
        .order_by("event__date", "member_id", "starts")
        .values_list("member_id", "event__date", "starts", "ends", "event__venue", "event_id")
    )
    return [AssignedDay(m, d, s, e, str(v), ev) for m, d, s, e, v, ev in rows]


@dataclass(frozen=True)
class EventDay:
    date: datetime.date
    windows: int
    opens: datetime.time
    closes: datetime.time


def events_between(first: datetime.date, last: datetime.date) -> list[EventDay]:
    """Not-cancelled events dated first..last (staffing plans their windows + a guide), by date."""
    rows = (
        OutreachEvent.objects.filter(date__range=(first, last))
        .exclude(status=OutreachEvent.Status.CANCELLED)
        .order_by("date", "opens")
        .values_list("date", "windows", "opens", "closes")
    )
    return [EventDay(d, int(w or 0), o, c) for d, w, o, c in rows]

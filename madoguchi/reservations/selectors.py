"""Reads other apps may use (typed, published): import these directly, never the views or URL names.

Counts per appointment type (staffing, the monthly report) carry no personal data.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, Sum
from django.urls import reverse

from madoguchi.accounts.models import User
from madoguchi.calendar.models import Office

from .models import AppointmentType, Reservation

BOOK_PERMISSION = "reservations.book_reservation"
R = Reservation.Status
# Bookings that were made and not withdrawn (a hold that expired or a cancelled booking is not one).
_MADE = (R.BOOKED, R.CHECKED_IN, R.ISSUED, R.NO_SHOW)


@dataclass(frozen=True)
class TypeCount:
    """One appointment type over a date range (by appointment date)."""

    code: str
    name: str
    booked: int  # reservations made and not cancelled (booked, came, done, no-show)
    people: int  # people in them
    came: int  # checked in or done
    done: int  # handed over / served (交付・対応済)
    no_show: int
    cancelled: int
    walk_in: int  # visitors without a booking (pickups only)


def appointment_counts(
    *, start: datetime.date, end: datetime.date, office: Office | None = None
) -> list[TypeCount]:
    """Per type (every type, in display order, zeros included): bookings, people, came, done, no-shows,
    cancellations and walk-ins with appointment dates in [start, end]. Two queries."""
    qs = Reservation.objects.filter(date__range=(start, end))
    if office is not None:
        qs = qs.filter(office=office)
    rows: dict[int, dict[str, Any]] = {
        row["appointment_type"]: dict(row)
        for row in qs.values("appointment_type").annotate(
            booked=Count("pk", filter=Q(status__in=_MADE, is_walk_in=False)),
            people=Sum("party_size", filter=Q(status__in=_MADE, is_walk_in=False)),
            came=Count("pk", filter=Q(status__in=(R.CHECKED_IN, R.ISSUED), is_walk_in=False)),
            done=Count("pk", filter=Q(status=R.ISSUED)),
            no_show=Count("pk", filter=Q(status=R.NO_SHOW)),
            cancelled=Count("pk", filter=Q(status=R.CANCELLED)),
            walk_in=Count("pk", filter=Q(is_walk_in=True)),
        )
    }
    result = []
    for atype in AppointmentType.objects.order_by("sort_order", "pk"):
        row: dict[str, Any] = rows.get(atype.pk, {})
        result.append(
            TypeCount(
                code=atype.code,
                name=atype.name,
                booked=row.get("booked", 0) or 0,
                people=row.get("people", 0) or 0,
                came=row.get("came", 0) or 0,
                done=row.get("done", 0) or 0,
                no_show=row.get("no_show", 0) or 0,
                cancelled=row.get("cancelled", 0) or 0,
                walk_in=row.get("walk_in", 0) or 0,
            )
        )
    return result


def appointment_load(
    *, office: Office, start: datetime.date, end: datetime.date
) -> dict[tuple[datetime.date, str], int]:
    """(date, type code) → people booked at the office (for staffing: expected visitors per type and day)."""
    rows = (
        Reservation.objects.filter(
            office=office, date__range=(start, end), status__in=_MADE, is_walk_in=False
        )
        .values_list("date", "appointment_type__code")
        .annotate(people=Sum("party_size"))
    )
    return {(date, code or AppointmentType.PICKUP): people or 0 for date, code, people in rows}


def operator_desk_url(user: User) -> str | None:
    """The operator's booking desk (find a card, book, change, cancel), or None for a user who may not book."""
    if not user.has_perm(BOOK_PERMISSION):
        return None
    return reverse("reservations:operator")


__all__ = ["TypeCount", "appointment_counts", "appointment_load", "operator_desk_url"]

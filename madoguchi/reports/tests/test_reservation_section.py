"""Reservations received in the month: new / change / cancel from the reservation history, by channel."""

from __future__ import annotations

import datetime

from madoguchi.accounts.testing import BaseTestCase
from madoguchi.reports import services

from .factories import at


class ReservationSectionTest(BaseTestCase):
    def test_it_counts_new_changed_and_cancelled_bookings_of_the_month(self) -> None:
        from madoguchi.reservations.models import Reservation, ReservationEvent

        def booking(code: str, status: str = "booked") -> Reservation:
            return Reservation.objects.create(
                code=code,
                office=self.main_office,
                date=datetime.date(2026, 4, 20),
                status=status,
                channel="phone",
                is_walk_in=True,
            )

        a, b, c = booking("AAA111"), booking("BBB222", "cancelled"), booking("CCC333")
        for r, kind, when, channel in [
            (a, "book", "2026-04-01", "phone"),
            (b, "book", "2026-04-02", "web"),
            (a, "change", "2026-04-03", "phone"),
            (b, "cancel", "2026-04-04", "web"),
            (c, "book", "2026-03-31", "phone"),  # March
            (c, "reminder", "2026-04-19", ""),
        ]:
            ReservationEvent.objects.create(reservation=r, kind=kind, at=at(when), channel=channel)
        data = services.monthly_report_build(year=2026, month=4, today=datetime.date(2026, 5, 2))
        f = data.figures
        self.assertEqual(
            (f["reservations.book"], f["reservations.change"], f["reservations.cancel"]), (2, 1, 1)
        )
        self.assertEqual(f["reservations.phone.book"], 1)
        self.assertEqual(f["reservations.web.cancel"], 1)
        listed = [row[1] for row in data.appendix.rows if row[0] == "受取予約"]
        self.assertEqual(sorted(listed), ["AAA111", "BBB222"])

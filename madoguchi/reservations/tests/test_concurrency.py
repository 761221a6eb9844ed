"""Never a double booking: real threads race on real PostgreSQL for the last places of one slot.

Skipped on SQLite (which serialises every write anyway and has no row locks to test).
"""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.db import connection, connections
from django.test import TransactionTestCase

from madoguchi.accounts.testing import make_offices

from ..models import Reservation, Slot
from ..services import (
    SlotFullError,
    reservation_book,
    reservation_cancel,
    reservation_change,
    slot_counts_consistent,
)
from .helpers import open_day, ready_card, set_capacity, slot_on

PHONE = Reservation.Channel.PHONE
N = 12


def race(n: int, work) -> list[str]:
    """Run work(i) in n threads released together; each returns an outcome label."""
    barrier = threading.Barrier(n)
    results: list[str] = [""] * n

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = work(i)
        except SlotFullError as exc:
            results[i] = "full:" + exc.messages[0]
        except Exception as exc:  # noqa: BLE001 — the test reports any other outcome
            results[i] = f"error:{type(exc).__name__}:{exc}"
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


@pytest.mark.postgres
class RaceTests(TransactionTestCase):
    def setUp(self):
        if connection.vendor != "postgresql":
            self.skipTest("PostgreSQL でのみ実行します（DATABASE_URL=postgres://…）")
        offices = make_offices()
        self.office = offices["honcho"]
        set_capacity(self.office, 5)
        self.day = open_day(self.office)
        self.slot = slot_on(self.office, self.day)

    def test_n_threads_racing_for_the_last_places_get_exactly_the_capacity(self):
        # Two of five places already taken: three are left for twelve callers.
        for _ in range(2):
            reservation_book(cards=[ready_card(self.office)], slot=self.slot, by=None, channel=PHONE)
        cards = [ready_card(self.office) for _ in range(N)]

        def work(i: int) -> str:
            reservation_book(cards=[cards[i]], slot=Slot(pk=self.slot.pk), by=None, channel=PHONE)
            return "ok"

        results = race(N, work)
        outcomes = Counter(r.split(":", 1)[0] for r in results)
        self.assertEqual(outcomes, Counter({"ok": 3, "full": N - 3}), results)
        self.assertTrue(all("満席" in r for r in results if r.startswith("full")))
        self.slot.refresh_from_db()
        self.assertEqual(self.slot.booked, 5)
        self.assertEqual(Reservation.objects.filter(slot=self.slot, status="booked").count(), 5)
        self.assertEqual(slot_counts_consistent(), [])

    def test_families_racing_never_exceed_the_capacity(self):
        families = [[ready_card(self.office) for _ in range(2)] for _ in range(N)]

        def work(i: int) -> str:
            reservation_book(cards=families[i], slot=Slot(pk=self.slot.pk), by=None, channel=PHONE)
            return "ok"

        results = race(N, work)
        self.assertEqual(sum(r == "ok" for r in results), 2, results)  # 2 families of 2 in 5 places
        self.slot.refresh_from_db()
        self.assertEqual(self.slot.booked, 4)
        self.assertEqual(slot_counts_consistent(), [])

    def test_racing_changes_into_a_nearly_full_slot_fill_it_exactly(self):
        target = slot_on(self.office, self.day, 1)
        for _ in range(4):
            reservation_book(cards=[ready_card(self.office)], slot=target, by=None, channel=PHONE)
        others = [slot_on(self.office, self.day, 2 + i % 3) for i in range(N)]
        bookings = [
            reservation_book(cards=[ready_card(self.office)], slot=others[i], by=None, channel=PHONE)
            for i in range(N)
        ]

        def work(i: int) -> str:
            reservation_change(reservation=bookings[i], slot=Slot(pk=target.pk), by=None, channel=PHONE)
            return "ok"

        results = race(N, work)
        outcomes = Counter(r.split(":", 1)[0] for r in results)
        self.assertEqual(outcomes, Counter({"ok": 1, "full": N - 1}), results)
        target.refresh_from_db()
        self.assertEqual(target.booked, 5)
        self.assertEqual(slot_counts_consistent(), [])

    def test_racing_change_and_cancel_of_one_booking_leave_the_counts_right(self):
        target = slot_on(self.office, self.day, 1)
        booking = reservation_book(cards=[ready_card(self.office)], slot=self.slot, by=None, channel=PHONE)

        def work(i: int) -> str:
            if i % 2:
                reservation_cancel(reservation=booking, by=None, channel=PHONE)
            else:
                reservation_change(reservation=booking, slot=target, by=None, channel=PHONE)
            return "ok"

        results = race(6, work)
        self.assertGreaterEqual(sum(r == "ok" for r in results), 1, results)
        self.assertFalse([r for r in results if r.startswith("error:") and "BookingError" not in r], results)
        self.assertEqual(slot_counts_consistent(), [])

    def test_the_same_card_racing_into_two_slots_is_booked_once(self):
        card = ready_card(self.office)
        slots = [slot_on(self.office, self.day, i) for i in range(4)]

        def work(i: int) -> str:
            reservation_book(cards=[card], slot=Slot(pk=slots[i % 4].pk), by=None, channel=PHONE)
            return "ok"

        results = race(8, work)
        self.assertEqual(sum(r == "ok" for r in results), 1, results)
        self.assertEqual(Reservation.objects.filter(status="booked").count(), 1)
        self.assertEqual(slot_counts_consistent(), [])

    def test_crossing_changes_between_two_slots_never_deadlock(self):
        a, b = slot_on(self.office, self.day, 1), slot_on(self.office, self.day, 2)
        on_a = [
            reservation_book(cards=[ready_card(self.office)], slot=a, by=None, channel=PHONE)
            for _ in range(3)
        ]
        on_b = [
            reservation_book(cards=[ready_card(self.office)], slot=b, by=None, channel=PHONE)
            for _ in range(3)
        ]

        def work(i: int) -> str:
            if i % 2:
                reservation_change(reservation=on_a[i // 2], slot=Slot(pk=b.pk), by=None, channel=PHONE)
            else:
                reservation_change(reservation=on_b[i // 2], slot=Slot(pk=a.pk), by=None, channel=PHONE)
            return "ok"

        results = race(6, work)
        self.assertFalse([r for r in results if r.startswith("error:")], results)
        self.assertEqual(slot_counts_consistent(), [])

    def test_releasing_expired_holds_while_residents_cancel_them_never_deadlocks(self):
        import datetime

        from ..services import holds_release

        set_capacity(self.office, 6)
        slot = slot_on(self.office, self.day, 3)
        holds = [
            reservation_book(cards=[ready_card(self.office)], slot=slot, by=None, channel=PHONE, hold=True)
            for _ in range(6)
        ]
        later = holds[0].hold_expires_at + datetime.timedelta(minutes=1)

        def work(i: int) -> str:
            if i % 3 == 0:
                holds_release(now=later)
            elif i % 3 == 1:
                reservation_cancel(reservation=holds[i], by=None, channel=PHONE)
            else:
                reservation_book(
                    cards=[ready_card(self.office)], slot=Slot(pk=slot.pk), by=None, channel=PHONE, now=later
                )
            return "ok"

        results = race(6, work)
        self.assertFalse([r for r in results if r.startswith("error:") and "BookingError" not in r], results)
        self.assertEqual(slot_counts_consistent(), [])

    def test_mixed_types_racing_for_shared_windows_never_exceed_the_capacity(self):
        import datetime

        from ..services import Person, appointment_book, appointment_type_get

        second = slot_on(self.office, self.day, 1)
        types = {code: appointment_type_get(code) for code in ("certificate", "application", "pin_reset")}
        cards = [ready_card(self.office) for _ in range(N)]

        def person(i: int) -> Person:
            return Person(
                name=f"試験 {i}", birth_date=datetime.date(1970, 1, 1 + i), phone=f"09012340{i:03d}"
            )

        def work(i: int) -> str:
            kind = i % 4
            if kind == 0:
                target = self.slot if i % 8 == 0 else second
                reservation_book(cards=[cards[i]], slot=Slot(pk=target.pk), by=None, channel=PHONE)
            elif kind == 1:  # two slots: the first and the second
                appointment_book(
                    appointment_type=types["application"],
                    slot=Slot(pk=self.slot.pk),
                    by=None,
                    channel=PHONE,
                    person=person(i),
                )
            else:
                code = "certificate" if kind == 2 else "pin_reset"
                appointment_book(
                    appointment_type=types[code],
                    slot=Slot(pk=(self.slot if i % 2 else second).pk),
                    by=None,
                    channel=PHONE,
                    person=person(i),
                )
            return "ok"

        results = race(N, work)
        self.assertFalse([r for r in results if r.startswith("error:")], results)
        for slot in (self.slot, second):
            slot.refresh_from_db()
            self.assertLessEqual(slot.booked, slot.capacity)
        self.assertEqual(self.slot.booked, 5)  # twelve callers for five places: the first slot fills exactly
        self.assertTrue(any(r.startswith("full") for r in results), results)
        self.assertEqual(slot_counts_consistent(), [])

    def test_the_same_person_racing_for_one_type_in_two_slots_is_booked_once(self):
        import datetime

        from ..services import Person, appointment_book, appointment_type_get

        renewal = appointment_type_get("certificate")
        slots = [slot_on(self.office, self.day, i) for i in range(4)]
        who = Person(name="同時 太郎", birth_date=datetime.date(1980, 1, 1), phone="0942309000")

        def work(i: int) -> str:
            appointment_book(
                appointment_type=renewal, slot=Slot(pk=slots[i % 4].pk), by=None, channel=PHONE, person=who
            )
            return "ok"

        results = race(8, work)
        self.assertEqual(sum(r == "ok" for r in results), 1, results)
        self.assertEqual(slot_counts_consistent(), [])

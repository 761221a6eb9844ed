"""The booking engine at the framework's speed: statements per booking, read-only listings, calendar → sync job."""

from __future__ import annotations

import datetime
import json

from django.db import connection
from django.test.utils import CaptureQueriesContext

from madoguchi.accounts.testing import BaseTestCase
from madoguchi.calendar.models import SpecialDay
from madoguchi.calendar.services import special_day_create
from madoguchi.jobs.models import Job
from madoguchi.jobs.testing import run_queued_jobs

from ..models import Reservation, Slot
from ..services import pickup_type_id, reservation_book, reservation_cancel, slot_counts_consistent
from .helpers import open_day, ready_card, set_capacity, slot_on

BIRTH = datetime.date(1980, 5, 17)


def _writes(queries: list[dict]) -> list[str]:
    return [
        q["sql"]
        for q in queries
        if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
        and "django_session" not in q["sql"]
        and "accounts_auditchainhead" not in q["sql"]
    ]


class BookingStatementsTests(BaseTestCase):
    def setUp(self):
        set_capacity(self.main_office, 4)
        self.day = open_day(self.main_office)
        self.slot = slot_on(self.main_office, self.day)

    def test_a_booking_is_one_update_and_one_insert_per_table(self):
        cards = [ready_card(self.main_office), ready_card(self.main_office)]
        pickup_type_id()  # remembered per process after its first read (whichever test runs first)
        with CaptureQueriesContext(connection) as ctx:
            reservation_book(cards=cards, slot=Slot(pk=self.slot.pk), by=self.operator, channel="phone")
        # The audit trail's own hash-chain head (accounts.chain) is locked and moved on by audit_record: not ours.
        sql = [
            q["sql"]
            for q in ctx.captured_queries
            if not q["sql"].startswith(("SAVEPOINT", "RELEASE")) and "accounts_auditchainhead" not in q["sql"]
        ]
        self.assertEqual(len(sql), 5, "\n".join(sql))
        self.assertIn("accounts_auditevent", sql[-1])  # last: the chain head is held only until the commit
        self.assertTrue(sql[0].startswith("UPDATE") and "RETURNING" in sql[0], sql[0])
        tables = [s.split()[2].strip('"') for s in sql[1:]]
        self.assertEqual(
            tables,
            [
                "reservations_reservation",
                "reservations_reservationcard",
                "reservations_reservationevent",
                "accounts_auditevent",
            ],
        )

    def test_the_api_booking_request_writes_only_inside_its_one_transaction(self):
        card = ready_card(self.main_office, birth_date=BIRTH)
        self.login(self.operator)
        with CaptureQueriesContext(connection) as ctx:
            response = self.client.post(
                "/api/reservations",
                json.dumps(
                    {
                        "slot": self.slot.pk,
                        "cards": [{"notice_number": card.notice_number, "birth_date": "1980-05-17"}],
                    }
                ),
                content_type="application/json",
            )
        self.assertEqual(response.status_code, 201, response.content)
        writes = _writes(ctx.captured_queries)
        self.assertEqual(
            len(writes), 5, "\n".join(writes)
        )  # the UPDATE and four INSERTs; no separate audit commit
        self.assertNotIn("auth_permission", " ".join(q["sql"] for q in ctx.captured_queries))

    def test_a_card_already_booked_is_refused_by_the_unique_index_with_the_code_to_change(self):
        card = ready_card(self.main_office)
        first = reservation_book(cards=[card], slot=self.slot, by=self.operator, channel="phone")
        other = slot_on(self.main_office, self.day, 1)
        with self.assertRaisesMessage(Exception, first.display_code):
            reservation_book(cards=[card], slot=other, by=self.operator, channel="phone")
        other.refresh_from_db()
        self.assertEqual(other.booked, 0)  # the place taken before the insert was refused is given back
        self.assertEqual(slot_counts_consistent(), [])

    def test_an_unknown_slot_is_refused_without_writing(self):
        with self.assertRaisesMessage(Exception, "見つかりません"):
            reservation_book(
                cards=[ready_card(self.main_office)], slot=Slot(pk=999999), by=self.operator, channel="phone"
            )
        self.assertFalse(Reservation.objects.exists())

    def test_an_expired_hold_gives_its_place_to_the_next_booking(self):
        set_capacity(self.main_office, 1)
        slot = slot_on(self.main_office, open_day(self.main_office, skip=1))
        held = reservation_book(
            cards=[ready_card(self.main_office)], slot=slot, by=None, channel="phone", hold=True
        )
        later = held.hold_expires_at + datetime.timedelta(seconds=1)
        booked = reservation_book(
            cards=[ready_card(self.main_office)], slot=slot, by=self.operator, channel="phone", now=later
        )
        held.refresh_from_db()
        self.assertEqual((held.status, booked.status), ("expired", "booked"))
        self.assertEqual(slot_counts_consistent(), [])

    def test_cancel_gives_the_places_back(self):
        r = reservation_book(
            cards=[ready_card(self.main_office)], slot=self.slot, by=self.operator, channel="phone"
        )
        reservation_cancel(reservation=r, by=self.operator, channel="phone")
        self.slot.refresh_from_db()
        self.assertEqual(self.slot.booked, 0)


class ReadOnlyListingTests(BaseTestCase):
    def setUp(self):
        set_capacity(self.main_office, 4)
        self.day = open_day(self.main_office)
        self.slot = slot_on(self.main_office, self.day)

    def test_the_api_slots_listing_takes_at_most_five_queries_and_writes_nothing(self):
        for i in range(6):  # more slots must not mean more queries
            slot_on(self.main_office, self.day, i)
        self.login(self.operator)
        self.client.get("/api/reservations/ping")
        with CaptureQueriesContext(connection) as ctx:
            response = self.client.get("/api/reservations/slots", {"office": "honcho"})
        self.assertEqual(response.status_code, 200)
        self.assertGreaterEqual(len(response.json()), 6)
        reads = [q for q in ctx.captured_queries if "django_session" not in q["sql"]]
        self.assertLessEqual(len(reads), 5, "\n".join(q["sql"] for q in ctx.captured_queries))
        self.assertEqual(_writes(ctx.captured_queries), [])

    def test_listing_slots_never_creates_slots_the_sync_job_has_not_made(self):
        later = open_day(self.main_office, ahead=10)
        self.login(self.operator)
        before = Slot.objects.count()
        response = self.client.get("/api/reservations/slots", {"office": "honcho", "date": later.isoformat()})
        self.assertEqual(response.json(), [])
        self.assertEqual(Slot.objects.count(), before)

    def test_the_slots_screen_get_writes_nothing(self):
        self.login(self.site_manager)
        with CaptureQueriesContext(connection) as ctx:
            response = self.client.get("/reservations/slots/?office=honcho")
        self.assertEqual(response.status_code, 200)
        writes = [w for w in _writes(ctx.captured_queries) if "accounts_auditevent" not in w]
        self.assertEqual(writes, [])


class CalendarChangeStartsSyncTests(BaseTestCase):
    def test_closing_a_day_queues_the_sync_job_which_withdraws_its_slots(self):
        day = open_day(self.main_office)
        slot = slot_on(self.main_office, day)
        with self.captureOnCommitCallbacks(execute=True):
            special_day_create(
                by=self.site_manager,
                date=day,
                kind=SpecialDay.Kind.CLOSURE,
                reason="停電",
                office=self.main_office,
            )
        job = Job.objects.get(kind="reservations.sync_slots")
        self.assertEqual(job.params, {"office_id": self.main_office.pk})
        slot.refresh_from_db()
        self.assertTrue(slot.is_open)  # not inside the calendar's request
        run_queued_jobs()
        slot.refresh_from_db()
        self.assertFalse(slot.is_open)

    def test_many_calendar_changes_queue_one_sync(self):
        day = open_day(self.main_office)
        with self.captureOnCommitCallbacks(execute=True):
            for i in range(3):
                special_day_create(
                    by=self.site_manager,
                    date=day + datetime.timedelta(days=i),
                    kind=SpecialDay.Kind.CLOSURE,
                    reason="工事",
                )
        self.assertEqual(Job.objects.filter(kind="reservations.sync_slots", state="queued").count(), 1)

    def test_the_sync_button_starts_the_job(self):
        self.login(self.site_manager)
        self.client.post("/reservations/slots/", {"action": "sync", "office": "honcho"})
        self.assertTrue(Job.objects.filter(kind="reservations.sync_slots").exists())

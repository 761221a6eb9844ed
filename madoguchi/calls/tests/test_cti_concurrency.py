"""On PostgreSQL: the same call's events arriving at once (PBX retries, several workers) make one record."""

from __future__ import annotations

import datetime
import threading

import pytest
from django.db import connection
from django.test import TransactionTestCase

from madoguchi.accounts.testing import make_offices
from madoguchi.calls import services
from madoguchi.calls.models import Call, Callback, CtiEvent

JST = datetime.timezone(datetime.timedelta(hours=9))


@pytest.mark.postgres
class CtiConcurrencyTests(TransactionTestCase):
    def setUp(self):
        if connection.vendor != "postgresql":
            self.skipTest("PostgreSQL only (row locks and concurrent inserts)")
        # A roll-over callback is due within the main office's hours: the calendar must know the main office.
        make_offices()

    def run_at_once(self, calls):
        barrier = threading.Barrier(len(calls))
        errors = []

        def worker(kwargs):
            from django.db import connection as conn

            try:
                barrier.wait()
                services.cti_event_apply(**kwargs)
            except Exception as exc:  # noqa: BLE001 - collected and asserted below
                errors.append(exc)
            finally:
                conn.close()

        threads = [threading.Thread(target=worker, args=(kw,)) for kw in calls]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return errors

    def test_events_and_repeats_arriving_together_give_one_correct_call(self):
        start = datetime.datetime(2026, 11, 24, 10, 0, tzinfo=JST)
        events = [
            {
                "kind": "newCall",
                "call_id": "P-1",
                "at": start,
                "line": 2,
                "direction": "inbound",
                "from_number": "0942-1",
            },
            {"kind": "answer", "call_id": "P-1", "at": start + datetime.timedelta(seconds=5), "line": 2},
            {"kind": "hangup", "call_id": "P-1", "at": start + datetime.timedelta(seconds=185)},
        ]
        errors = self.run_at_once(events * 3)
        self.assertEqual(errors, [])
        self.assertEqual(Call.objects.count(), 1)
        self.assertEqual(CtiEvent.objects.count(), 3)
        call = Call.objects.get()
        self.assertEqual(call.duration_seconds, 180)
        self.assertEqual(call.status, Call.Status.ENDED)
        self.assertEqual(call.line, 2)

    def test_a_repeated_overflow_arriving_together_makes_one_callback(self):
        at = datetime.datetime(2026, 11, 24, 11, 0, tzinfo=JST)
        errors = self.run_at_once(
            [
                {
                    "kind": "overflow",
                    "call_id": "P-2",
                    "at": at,
                    "direction": "inbound",
                    "from_number": "0942-2",
                }
            ]
            * 4
        )
        self.assertEqual(errors, [])
        self.assertEqual(Callback.objects.count(), 1)

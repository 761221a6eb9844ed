"""On PostgreSQL: two managers saving the first revision of the same section at once leave one revision; the
other gets a clear Japanese message, never a half-saved row or a server error."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.test import TransactionTestCase

from madoguchi.accounts.roles import Role, sync_roles
from madoguchi.accounts.testing import make_user
from madoguchi.reports import services
from madoguchi.reports.models import ManualRevision


@pytest.mark.postgres
class ManualRevisionConcurrencyTest(TransactionTestCase):
    def setUp(self) -> None:
        if connection.vendor != "postgresql":
            self.skipTest("PostgreSQL only (row locks and concurrent inserts)")
        sync_roles()
        self.people = [make_user(f"sm{i}", Role.SITE_MANAGER) for i in range(3)]

    def save_at_once(self) -> list[Exception]:
        barrier = threading.Barrier(len(self.people))
        errors: list[Exception] = []

        def worker(person: object) -> None:
            from django.db import connection as conn

            try:
                barrier.wait()
                services.manual_draft_save(
                    by=person, key="floor.guide", title=f"案内（{person}）", steps="タブレットで記録する。"
                )
            except Exception as exc:  # noqa: BLE001 - collected and asserted below
                errors.append(exc)
            finally:
                conn.close()

        threads = [threading.Thread(target=worker, args=(p,)) for p in self.people]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return errors

    def test_simultaneous_first_revisions_leave_one_and_explain_the_rest(self) -> None:
        errors = self.save_at_once()
        revisions = list(ManualRevision.objects.filter(key="floor.guide"))
        # Either the later saves waited and rewrote the one draft, or they collided and were told so.
        self.assertEqual(len(revisions), 1)
        self.assertEqual(revisions[0].number, 1)
        for exc in errors:
            self.assertIsInstance(exc, services.ReportError)
            self.assertIn("同時に改訂しました", str(exc))

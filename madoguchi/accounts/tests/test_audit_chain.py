"""The audit trail is tamper-evident: a keyed hash chain, `verify_audit`, a JSON copy for shipping, and a runtime
database role that can only append and read it (PostgreSQL)."""

from __future__ import annotations

import json
import os
import tempfile

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import TransactionTestCase

from madoguchi.accounts.chain import chain_verify
from madoguchi.accounts.models import AuditEvent
from madoguchi.accounts.services import audit_record
from madoguchi.accounts.testing import BaseTestCase


def raw(sql: str, params: list | None = None) -> None:
    # The test settings (and only they, in a test_ database) let raw SQL past the append-only triggers.
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET madoguchi.allow_audit_purge = 'on'")
        cursor.execute(sql, params or [])


class AuditChainTests(BaseTestCase):
    def record(self, n: int) -> list[AuditEvent]:
        return [
            audit_record(
                actor=self.operator, action="view", object_type="cards.card", object_id=i, detail={"i": i}
            )
            for i in range(n)
        ]

    def test_every_row_is_linked_to_the_one_before_and_the_chain_verifies(self):
        events = self.record(3)
        self.assertEqual([e.seq for e in events], [1, 2, 3])
        self.assertEqual(events[1].prev_hash, events[0].row_hash)
        report = chain_verify()
        self.assertIsNone(report.broken)
        self.assertEqual(report.checked, 3)

    def test_an_edited_row_is_the_first_broken_link(self):
        events = self.record(4)
        raw("UPDATE accounts_auditevent SET object_id = '999' WHERE id = %s", [events[2].pk])
        broken = chain_verify().broken
        self.assertEqual(broken.seq, 3)
        self.assertIn("変更", broken.reason)

    def test_a_deleted_row_in_the_middle_is_found(self):
        events = self.record(4)
        raw("DELETE FROM accounts_auditevent WHERE id = %s", [events[1].pk])
        broken = chain_verify().broken
        self.assertEqual(broken.seq, 3)
        self.assertIn("ありません", broken.reason)

    def test_rows_cut_off_at_the_end_are_found(self):
        events = self.record(3)
        raw("DELETE FROM accounts_auditevent WHERE id = %s", [events[2].pk])
        self.assertIn("末尾", chain_verify().broken.reason)

    def test_a_row_rehashed_without_the_key_does_not_pass(self):
        import hashlib

        events = self.record(2)
        fake = hashlib.sha256(b"forged").hexdigest()
        raw(
            "UPDATE accounts_auditevent SET action = 'login', row_hash = %s WHERE id = %s",
            [fake, events[1].pk],
        )
        self.assertEqual(chain_verify().broken.seq, 2)

    def test_the_command_names_the_first_broken_link_and_fails(self):
        events = self.record(3)
        call_command("verify_audit", stdout=open(os.devnull, "w"))
        raw("UPDATE accounts_auditevent SET path = '/x/' WHERE id = %s", [events[0].pk])
        with pytest.raises(CommandError, match="連番 1"):
            call_command("verify_audit")

    def test_each_committed_row_is_written_as_one_json_line_without_personal_values(self):
        with (
            self.assertLogs("madoguchi.audit", level="INFO") as logs,
            self.captureOnCommitCallbacks(execute=True),
        ):
            audit_record(actor=self.operator, action="view", object_type="cards.card", object_id=7)
        from madoguchi.accounts.logging import AuditJsonFormatter

        line = json.loads(AuditJsonFormatter().format(logs.records[0]))
        self.assertEqual(line["object_id"], "7")
        self.assertEqual(line["actor"], "alice")
        self.assertEqual(len(line["hash"]), 64)

    def test_a_rolled_back_transaction_leaves_no_link_behind(self):
        from django.db import transaction

        self.record(1)
        with pytest.raises(RuntimeError), transaction.atomic():
            audit_record(actor=self.operator, action="view", object_type="x")
            raise RuntimeError
        self.record(1)
        self.assertIsNone(chain_verify().broken)


@pytest.mark.postgres
class DatabaseRoleTests(TransactionTestCase):
    """`setup_db_roles` on the test database; then the runtime role tries everything an attacker would."""

    def setUp(self):
        if connection.vendor != "postgresql":
            self.skipTest("PostgreSQL でのみ実行します（DATABASE_URL=postgres://…）")
        suffix = os.getpid()
        self.owner, self.runtime = f"mg_test_owner_{suffix}", f"mg_test_app_{suffix}"
        self.password = "runtime-role-test-password"
        self.me = connection.settings_dict["USER"]

    def tearDown(self):
        if connection.vendor != "postgresql":
            return
        with connection.cursor() as cursor:
            for role in (self.owner, self.runtime):
                cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
                if cursor.fetchone():
                    cursor.execute(f'REASSIGN OWNED BY "{role}" TO "{self.me}"')
                    cursor.execute(f'DROP OWNED BY "{role}"')
                    cursor.execute(f'DROP ROLE "{role}"')

    def runtime_connection(self):
        import psycopg

        s = connection.settings_dict
        return psycopg.connect(
            host=s["HOST"] or "127.0.0.1",
            port=s["PORT"] or 5432,
            dbname=s["NAME"],
            user=self.runtime,
            password=self.password,
            autocommit=True,
        )

    def test_the_runtime_role_can_append_and_read_the_audit_trail_but_never_change_it(self):
        import psycopg

        audit_record(actor=None, action="view", object_type="cards.card", object_id=1)
        with tempfile.NamedTemporaryFile("w", suffix=".txt") as secret:
            secret.write(self.password)
            secret.flush()
            call_command(
                "setup_db_roles",
                owner=self.owner,
                runtime=self.runtime,
                runtime_password_file=secret.name,
                stdout=open(os.devnull, "w"),
            )
        with self.runtime_connection() as conn:
            cur = conn.cursor()
            cur.execute("SELECT count(*) FROM accounts_auditevent")
            self.assertEqual(cur.fetchone()[0], 1)
            cur.execute(
                "INSERT INTO accounts_auditevent (at, actor_username, action, object_type, object_id, path, detail, "
                "prev_hash, row_hash) VALUES (now(), '', 'view', 'x', '', '', '{}', '', '')"
            )
            # Even with the purge switch set, as an attacker with the app's login would try.
            cur.execute("SET madoguchi.allow_audit_purge = 'on'")
            for sql in [
                "UPDATE accounts_auditevent SET action = 'x'",
                "DELETE FROM accounts_auditevent",
                "TRUNCATE accounts_auditevent",
                "ALTER TABLE accounts_auditevent DISABLE TRIGGER ALL",
                "ALTER TABLE accounts_auditevent DISABLE TRIGGER accounts_auditevent_no_update",
                "DROP TABLE accounts_auditevent",
            ]:
                with self.subTest(sql=sql), pytest.raises(psycopg.errors.InsufficientPrivilege):
                    cur.execute(sql)
            # Everything else the application needs still works.
            cur.execute("SELECT count(*) FROM accounts_user")
            cur.execute("UPDATE accounts_auditchainhead SET seq = seq")
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                cur.execute("CREATE TABLE madoguchi_sneaky (id int)")
        self.assertEqual(AuditEvent.objects.count(), 2)


class ChainStatementsTests(BaseTestCase):
    def test_an_append_inside_a_transaction_is_three_statements_without_a_savepoint(self):
        from django.db import transaction
        from django.test.utils import CaptureQueriesContext

        audit_record(actor=self.operator, action="view", object_type="x")  # the head row exists
        with transaction.atomic(), CaptureQueriesContext(connection) as ctx:
            audit_record(actor=self.operator, action="view", object_type="cards.card", object_id=1)
        sql = [q["sql"] for q in ctx.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
        self.assertFalse([q for q in ctx.captured_queries if "SAVEPOINT" in q["sql"]], sql)
        self.assertEqual(len(sql), 3, "\n".join(sql))
        self.assertTrue(sql[0].startswith("UPDATE") and "RETURNING" in sql[0], sql[0])  # lock + previous hash
        self.assertIn("accounts_auditevent", sql[1])
        self.assertIn("accounts_auditchainhead", sql[2])
        self.assertIsNone(chain_verify().broken)

    def test_several_rows_appended_at_once_take_consecutive_places_in_one_insert(self):
        from django.db import transaction
        from django.test.utils import CaptureQueriesContext
        from django.utils import timezone

        from madoguchi.accounts.chain import chain_append_many

        first = audit_record(actor=self.operator, action="view", object_type="x")
        events = [
            AuditEvent(at=timezone.now(), action="view", object_type="cards.card", object_id=str(i))
            for i in range(5)
        ]
        with transaction.atomic(), CaptureQueriesContext(connection) as ctx:
            chain_append_many(events)
        self.assertEqual(len(ctx.captured_queries), 3)
        self.assertEqual([e.seq for e in events], [2, 3, 4, 5, 6])
        self.assertEqual(events[0].prev_hash, first.row_hash)
        report = chain_verify()
        self.assertIsNone(report.broken)
        self.assertEqual(report.checked, 6)

    def test_the_first_append_creates_the_head(self):
        from madoguchi.accounts.models import AuditChainHead

        AuditChainHead.objects.all().delete()
        event = audit_record(actor=self.operator, action="view", object_type="x")
        self.assertEqual(event.seq, 1)
        self.assertEqual(AuditChainHead.objects.get().last_hash, event.row_hash)


@pytest.mark.postgres
class ChainConcurrencyTests(TransactionTestCase):
    """Many writers appending at once (one connection each, on PostgreSQL): no fork, no gap, every link verifies."""

    def setUp(self):
        if connection.vendor != "postgresql":
            self.skipTest("PostgreSQL でのみ実行します（DATABASE_URL=postgres://…）")

    def test_writers_appending_at_once_make_one_unbroken_chain(self):
        import threading

        from django.db import transaction

        writers, rows_each = 8, 6
        barrier = threading.Barrier(writers)
        errors: list[Exception] = []

        def writer(n: int) -> None:
            from django.db import connection as conn

            try:
                barrier.wait()
                for i in range(rows_each):
                    with transaction.atomic():  # as a service does: its own writes, then the audit row
                        audit_record(actor=None, action="view", object_type="w", object_id=f"{n}-{i}")
                        if i == 2 and n % 2:
                            raise RuntimeError("rolled back")  # a failed operation leaves no link
            except RuntimeError:
                pass
            except Exception as exc:  # noqa: BLE001 - collected and asserted below
                errors.append(exc)
            finally:
                conn.close()

        threads = [threading.Thread(target=writer, args=(n,)) for n in range(writers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        self.assertEqual(errors, [])
        expected = (writers // 2) * rows_each + (writers // 2) * 2
        self.assertEqual(AuditEvent.objects.filter(object_type="w").count(), expected)
        report = chain_verify()
        self.assertIsNone(report.broken, str(report.broken))
        self.assertEqual(report.checked, AuditEvent.objects.count())
        seqs = list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True))
        self.assertEqual(seqs, list(range(1, len(seqs) + 1)))

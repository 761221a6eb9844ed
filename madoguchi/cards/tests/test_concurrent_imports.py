"""Two people upload the same arrival list at the same moment: one import, one clear 「取込中/取込済み」."""

from __future__ import annotations

import unittest

import pytest
from django.db import connection
from django.test import TransactionTestCase

from madoguchi.accounts.roles import Role, sync_roles
from madoguchi.accounts.testing import make_offices, make_user, run_together
from madoguchi.lib.exports import csv_bytes

from ..models import Card, ImportBatch
from ..services import ImportDuplicate, card_import
from .test_card_import import HEADER, row


@pytest.mark.postgres
class ConcurrentImportTests(TransactionTestCase):
    def setUp(self) -> None:
        if connection.vendor != "postgresql":
            raise unittest.SkipTest("PostgreSQL only (concurrent transactions)")
        sync_roles()
        make_offices()
        self.users = [make_user(f"clerk{i}", Role.BACK_OFFICE) for i in range(3)]

    def test_the_same_file_uploaded_three_times_at_once_is_imported_once(self) -> None:
        content = csv_bytes(HEADER, [row(n) for n in range(1, 201)], encoding="cp932")
        results = run_together(
            [lambda u=u: card_import(file_name="到着.csv", content=content, by=u) for u in self.users]
        )
        done = [r for r in results if isinstance(r, ImportBatch)]
        refused = [r for r in results if isinstance(r, ImportDuplicate)]
        self.assertEqual(len(done), 1, results)
        self.assertEqual(done[0].status, ImportBatch.Status.DONE)
        self.assertEqual(len(refused), 2, results)
        for exc in refused:
            self.assertRegex(exc.messages[0], "取込(中|済み)です")
        self.assertEqual(Card.objects.count(), 200)
        self.assertFalse(ImportBatch.objects.exclude(payload="").exists())

    def test_two_different_files_with_the_same_new_cards_at_once_give_one_import_and_a_clear_refusal(
        self,
    ) -> None:
        a = csv_bytes(HEADER, [row(n) for n in range(1, 101)])
        b = csv_bytes(HEADER, [row(n) for n in range(1, 101)] + [row(500)])
        results = run_together(
            [
                lambda: card_import(file_name="a.csv", content=a, by=self.users[0]),
                lambda: card_import(file_name="b.csv", content=b, by=self.users[1]),
            ]
        )
        self.assertTrue(all(isinstance(r, ImportBatch) for r in results), results)
        statuses = sorted(r.status for r in results)
        self.assertIn(ImportBatch.Status.DONE, statuses)
        self.assertEqual(Card.objects.filter(notice_number__lt="KRM000101").count(), 100)
        for r in results:
            if r.status == ImportBatch.Status.FAILED:
                self.assertIn("もう一度取り込んでください", r.errors[0]["message"])
        self.assertFalse(ImportBatch.objects.filter(status=ImportBatch.Status.VALIDATING).exists())

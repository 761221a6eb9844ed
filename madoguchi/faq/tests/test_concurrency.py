"""On PostgreSQL: two city staff approving the same entry at once, and a writer editing while it is submitted."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import TransactionTestCase

from madoguchi.accounts.roles import Role, sync_roles
from madoguchi.accounts.testing import make_user, run_together
from madoguchi.faq import search, services
from madoguchi.faq.models import FaqEntry, FaqRevision, SearchIndexState


@pytest.mark.postgres
class FaqConcurrencyTests(TransactionTestCase):
    def setUp(self):
        if connection.vendor != "postgresql":
            self.skipTest("PostgreSQL でのみ実行します")
        sync_roles()
        search.clear_cache()
        self.writer = make_user("daichi", Role.SITE_MANAGER)
        self.city_a = make_user("fumio", Role.CITY_STAFF)
        self.city_b = make_user("hana", Role.CITY_STAFF)
        entry = services.entry_create(
            by=self.writer, category="暗証番号", question="暗証番号を忘れた", answer="窓口で再設定します。"
        )
        self.entry = services.entry_transition(entry=entry, by=self.writer, action="submit")

    def test_two_approvals_at_once_approve_once(self):
        results = run_together(
            [
                lambda: services.entry_transition(entry=self.entry, by=self.city_a, action="approve"),
                lambda: services.entry_transition(entry=self.entry, by=self.city_b, action="approve"),
            ]
        )
        self.assertEqual(sum(isinstance(r, FaqEntry) for r in results), 1, results)
        self.assertEqual(sum(isinstance(r, ValidationError) for r in results), 1, results)
        self.assertEqual(FaqRevision.objects.filter(entry=self.entry, action="approve").count(), 1)
        self.assertEqual([h.entry_id for h in search.search("暗証番号")], [self.entry.pk])

    def test_approve_and_return_at_once_leave_one_consistent_outcome(self):
        results = run_together(
            [
                lambda: services.entry_transition(entry=self.entry, by=self.city_a, action="approve"),
                lambda: services.entry_transition(
                    entry=self.entry, by=self.city_b, action="return", comment="再確認"
                ),
            ]
        )
        self.assertEqual(sum(isinstance(r, ValidationError) for r in results), 1, results)
        self.entry.refresh_from_db()
        last = self.entry.history.order_by("-number").first()
        self.assertEqual(last.state, self.entry.state)
        self.assertEqual(list(self.entry.history.values_list("number", flat=True)), [1, 2, 3])

    def test_concurrent_stamp_bumps_are_all_counted(self):
        SearchIndexState.objects.all().delete()  # as after a flush: the row has to be created under contention
        run_together([services.bump_search_stamp for _ in range(6)])
        self.assertEqual(SearchIndexState.objects.get(pk=1).stamp, 6)

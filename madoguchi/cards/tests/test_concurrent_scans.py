"""Two scanners scan the same card at the same moment: one step is applied, the other refused (PostgreSQL)."""

from __future__ import annotations

import threading
import unittest

import pytest
from django.db import connection
from django.test import TransactionTestCase

from madoguchi.accounts.roles import Role, sync_roles
from madoguchi.accounts.testing import make_offices, make_user

from ..models import Card, CardEvent
from ..services import CardTransitionError, card_transition
from .factories import make_card


@pytest.mark.postgres
class ConcurrentScanTests(TransactionTestCase):
    def setUp(self) -> None:
        if connection.vendor != "postgresql":
            raise unittest.SkipTest("PostgreSQL only (row locks)")
        sync_roles()
        self.office = make_offices()["honcho"]
        self.users = [make_user(f"scanner{i}", Role.BACK_OFFICE) for i in range(4)]

    def test_the_same_step_from_four_scanners_at_once_is_applied_once(self) -> None:
        card = make_card(self.office)
        barrier = threading.Barrier(len(self.users))
        outcomes: list[str] = []

        def scan(user) -> None:  # type: ignore[no-untyped-def]
            try:
                barrier.wait()
                card_transition(card=Card.objects.get(pk=card.pk), to_state=Card.State.SET_UP, by=user)
                outcomes.append("ok")
            except CardTransitionError:
                outcomes.append("refused")
            finally:
                connection.close()

        threads = [threading.Thread(target=scan, args=(u,)) for u in self.users]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(sorted(outcomes), ["ok", "refused", "refused", "refused"])
        self.assertEqual(CardEvent.objects.filter(card=card).count(), 1)

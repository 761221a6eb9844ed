"""On PostgreSQL: two managers assigning the same person at once, and many +1 taps at once, stay consistent."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import TransactionTestCase

from madoguchi.accounts.roles import Role, sync_roles
from madoguchi.accounts.testing import make_offices, make_user, run_together
from madoguchi.outreach import services
from madoguchi.outreach.models import StaffAssignment

from .factories import SATURDAY, make_member

T = datetime.time


@pytest.mark.postgres
class OutreachConcurrencyTests(TransactionTestCase):
    def setUp(self):
        if connection.vendor != "postgresql":
            self.skipTest("PostgreSQL でのみ実行します")
        sync_roles()
        make_offices()
        self.manager = make_user("daichi", Role.SITE_MANAGER)
        self.director = make_user("emi", Role.DIRECTOR)
        self.floor = make_user("chika", Role.FLOOR)

    def _event(self, venue):
        return services.event_create(by=self.manager, venue=venue, date=SATURDAY, opens=T(10), closes=T(16))

    def test_the_same_member_assigned_to_two_events_at_once_lands_only_once(self):
        first, second = self._event("ゆめタウン久留米"), self._event("イオンモール久留米")
        member = make_member("松本 さくら")
        results = run_together(
            [
                lambda: services.staff_assign(by=self.manager, event=first, member=member),
                lambda: services.staff_assign(by=self.director, event=second, member=member),
            ]
        )
        self.assertEqual(StaffAssignment.objects.filter(member=member).count(), 1)
        errors = [r for r in results if isinstance(r, ValidationError)]
        self.assertEqual(len(errors), 1)
        self.assertIn("同じ時間帯に", errors[0].message_dict["member"][0])

    def test_simultaneous_taps_on_one_window_are_all_counted(self):
        event = self._event("ゆめタウン久留米")
        n = 8
        results = run_together(
            [lambda: services.window_count_adjust(by=self.floor, event=event, window=1, delta=1)] * n
        )
        self.assertFalse([r for r in results if isinstance(r, Exception)])
        self.assertEqual(event.window_counts.get(window=1).applications, n)

    def test_one_tap_key_sent_from_two_tabs_at_once_is_applied_once(self):
        import uuid

        event = self._event("ゆめタウン久留米")
        key = uuid.uuid4()
        results = run_together(
            [lambda: services.window_count_adjust(by=self.floor, event=event, window=2, delta=1, key=key)] * 4
        )
        self.assertFalse([r for r in results if isinstance(r, Exception)])
        self.assertEqual(event.window_counts.get(window=2).applications, 1)

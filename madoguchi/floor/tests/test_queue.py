"""Taps sent by the tablet's queue carry a key: a tap or an undo sent again is counted once; the tap keeps the
time it was made while offline, unless that time is not believable."""

import datetime
import uuid
from unittest import mock

import pytest
from django.db import connection
from django.test import TransactionTestCase
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from madoguchi.accounts.roles import Role, sync_roles
from madoguchi.accounts.testing import BaseTestCase, make_offices, make_user, run_together
from madoguchi.floor import services
from madoguchi.floor.models import GuidanceTap


def at(value: str) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.fromisoformat(value))


@settings(max_examples=60, deadline=None)
@given(offset=st.integers(min_value=-(10**9), max_value=10**9))
def test_the_counted_time_is_never_in_the_future_nor_older_than_twelve_hours(offset):
    now = at("2026-06-03 11:30")
    with mock.patch("django.utils.timezone.now", return_value=now):
        counted = services.tap_time(now + datetime.timedelta(seconds=offset))
    assert now - services.QUEUED_TAP_MAX_AGE <= counted <= now


class QueuedTapTests(BaseTestCase):
    def test_a_tap_sent_twice_with_one_key_is_counted_once(self):
        key = uuid.uuid4()
        first = services.guidance_tap(by=self.floor, office=self.main_office, purpose="pickup", key=key)
        again = services.guidance_tap(by=self.floor, office=self.main_office, purpose="pickup", key=key)
        self.assertEqual(first.pk, again.pk)
        self.assertEqual(GuidanceTap.objects.count(), 1)

    def test_an_undo_sent_twice_with_one_key_takes_back_one_tap(self):
        for _ in range(2):
            services.guidance_tap(by=self.floor, office=self.main_office, purpose="pickup", key=uuid.uuid4())
        key = uuid.uuid4()
        services.guidance_undo(by=self.floor, office=self.main_office, key=key)
        services.guidance_undo(by=self.floor, office=self.main_office, key=key)
        self.assertEqual(GuidanceTap.objects.counted().count(), 1)

    def test_a_tap_queued_offline_keeps_the_time_it_was_made(self):
        with mock.patch("django.utils.timezone.now", return_value=at("2026-06-03 11:30")):
            tap = services.guidance_tap(
                by=self.floor, office=self.main_office, purpose="pickup", at=at("2026-06-03 09:10")
            )
        self.assertEqual(timezone.localtime(tap.at).hour, 9)
        self.assertEqual(tap.day, datetime.date(2026, 6, 3))

    def test_a_tablet_clock_far_off_is_not_believed(self):
        with mock.patch("django.utils.timezone.now", return_value=at("2026-06-03 11:30")):
            future = services.guidance_tap(
                by=self.floor, office=self.main_office, purpose="pickup", at=at("2031-01-01 09:00")
            )
            past = services.guidance_tap(
                by=self.floor, office=self.main_office, purpose="pickup", at=at("1970-01-01 09:00")
            )
        self.assertEqual({future.at, past.at}, {at("2026-06-03 11:30")})

    def test_the_tap_view_passes_the_key_and_time_of_the_queue(self):
        self.client.force_login(self.floor)
        key = str(uuid.uuid4())
        for _ in range(3):  # the answer was lost twice; the queue sent the same entry again
            response = self.client.post(
                "/floor/tap/",
                {"office": self.main_office.code, "purpose": "pickup", "key": key},
                headers={"HX-Request": "true"},
            )
            self.assertEqual(response.status_code, 200)
        self.assertEqual(GuidanceTap.objects.count(), 1)
        self.assertContains(response, 'id="count-pickup"')


@pytest.mark.postgres
class QueuedTapConcurrencyTests(TransactionTestCase):
    def setUp(self):
        if connection.vendor != "postgresql":
            self.skipTest("PostgreSQL でのみ実行します")
        sync_roles()
        self.office = make_offices()["honcho"]
        self.floor = make_user("chika", Role.FLOOR)

    def test_one_key_sent_from_two_tabs_at_once_is_counted_once(self):
        key = uuid.uuid4()
        results = run_together(
            [lambda: services.guidance_tap(by=self.floor, office=self.office, purpose="pickup", key=key)] * 4
        )
        self.assertFalse([r for r in results if isinstance(r, Exception)])
        self.assertEqual(GuidanceTap.objects.count(), 1)

    def test_one_undo_key_sent_twice_at_once_takes_back_one_tap(self):
        for _ in range(3):
            services.guidance_tap(by=self.floor, office=self.office, purpose="pickup")
        key = uuid.uuid4()
        results = run_together(
            [lambda: services.guidance_undo(by=self.floor, office=self.office, key=key)] * 3
        )
        self.assertFalse([r for r in results if isinstance(r, Exception)])
        self.assertEqual(GuidanceTap.objects.counted().count(), 2)

"""The call center's hours come from the one calendar (the main office's day), never from fixed 8:30/17:15:
a special opening to 19:00 is shown and counted to 19:00, and a branch with other hours changes nothing."""

from __future__ import annotations

import datetime

from django.utils import timezone

from madoguchi.accounts.testing import BaseTestCase
from madoguchi.calendar.models import Office, SpecialDay
from madoguchi.calendar.services import NoMainOffice
from madoguchi.calls.models import Call
from madoguchi.calls.services import callback_due_after, dashboard_figures

SATURDAY = datetime.date(2026, 6, 6)
WEDNESDAY = datetime.date(2026, 6, 3)


def local(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


class CallCenterHoursTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        # The branch keeps shorter hours of its own; the call center follows the main office.
        cls.branch_office.opens, cls.branch_office.closes = datetime.time(9, 0), datetime.time(16, 0)
        cls.branch_office.save()
        SpecialDay.objects.create(
            date=SATURDAY,
            office=cls.main_office,
            kind=SpecialDay.Kind.HOLIDAY_ISSUANCE,
            opens=datetime.time(9, 0),
            closes=datetime.time(19, 0),
            reason="休日開庁",
        )

    def test_a_special_opening_to_19_00_gives_half_hours_to_18_30(self):
        figures = dashboard_figures(day=SATURDAY)
        starts = [row["start"] for row in figures["half_hours"]]
        assert starts[0] == datetime.time(9, 0)
        assert starts[-1] == datetime.time(18, 30)

    def test_a_call_at_18_40_on_the_special_opening_is_counted_in_its_half_hour(self):
        Call.objects.create(
            started_at=local(SATURDAY, 18, 40),
            ended_at=local(SATURDAY, 18, 45),
            status=Call.Status.ENDED,
            direction="inbound",
            line=1,
        )
        rows = {r["start"]: r["count"] for r in dashboard_figures(day=SATURDAY)["half_hours"]}
        assert rows[datetime.time(18, 30)] == 1

    def test_a_callback_asked_for_at_18_00_on_the_special_opening_is_due_the_same_evening(self):
        assert callback_due_after(local(SATURDAY, 18, 0)) == local(SATURDAY, 18, 30)

    def test_a_callback_asked_for_after_a_regular_close_is_due_after_the_next_opening(self):
        # Wednesday closes at 17:15 (the main office's own hours), whatever the branch keeps.
        assert callback_due_after(local(WEDNESDAY, 17, 0)) == local(datetime.date(2026, 6, 4), 9, 0)

    def test_the_branchs_shorter_hours_do_not_shorten_the_call_center_day(self):
        starts = [row["start"] for row in dashboard_figures(day=WEDNESDAY)["half_hours"]]
        assert starts[0] == datetime.time(8, 30)
        assert starts[-1] == datetime.time(17, 0)

    def test_without_a_main_office_the_due_time_is_an_error_not_a_guess(self):
        Office.objects.filter(kind=Office.Kind.MAIN).update(is_active=False)
        with self.assertRaisesMessage(NoMainOffice, "本庁"):
            callback_due_after(local(WEDNESDAY, 10, 0))

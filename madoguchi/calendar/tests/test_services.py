"""The one service calendar, pinned on Kurume FY2026 days."""

import datetime

from django.test import override_settings

from madoguchi.accounts.testing import BaseTestCase, date
from madoguchi.calendar import services
from madoguchi.calendar.models import BusySeason, SpecialDay

T = datetime.time


class ServiceCalendarTests(BaseTestCase):
    def hours(self, day, office=None):
        return services.hours_for(office or self.main_office, date(day))

    def test_weekdays_are_open_from_830_to_1715(self):
        h = self.hours("2026-04-13")  # Monday
        self.assertTrue(h.is_open)
        self.assertEqual((h.opens, h.closes), (T(8, 30), T(17, 15)))

    def test_2026_09_22_is_closed_as_a_citizens_holiday(self):
        h = self.hours("2026-09-22")
        self.assertFalse(h.is_open)
        self.assertEqual(h.kind, "holiday")
        self.assertEqual(h.reason, "国民の休日")

    def test_2026_05_06_is_closed_as_a_substitute_holiday(self):
        h = self.hours("2026-05-06")
        self.assertFalse(h.is_open)
        self.assertEqual(h.reason, "振替休日")

    def test_thursdays_run_until_1900_at_the_main_office(self):
        for day in ("2026-04-30", "2026-07-16"):
            h = self.hours(day)
            self.assertTrue(h.is_open, day)
            self.assertEqual(h.closes, T(19, 0), day)
            self.assertEqual(h.kind, "evening")

    def test_a_branch_without_the_extension_closes_at_1715_on_thursdays(self):
        h = self.hours("2026-07-16", self.branch_office)
        self.assertEqual(h.closes, T(17, 15))

    def test_a_thursday_holiday_is_closed_not_extended(self):
        h = self.hours("2026-11-03")  # 文化の日, a Tuesday; use a Thursday holiday instead:
        self.assertFalse(h.is_open)
        h = self.hours("2026-09-23")  # 秋分の日 (Wednesday) - closed
        self.assertFalse(h.is_open)
        h = self.hours("2027-02-11")  # 建国記念の日, a Thursday
        self.assertEqual(date("2027-02-11").weekday(), 3)
        self.assertFalse(h.is_open)
        self.assertEqual(h.reason, "建国記念の日")

    def test_the_new_year_break_is_closed_and_january_4_opens_normally(self):
        self.assertFalse(self.hours("2026-12-29").is_open)
        self.assertEqual(self.hours("2026-12-29").kind, "new_year")
        self.assertFalse(self.hours("2027-01-02").is_open)
        h = self.hours("2027-01-04")
        self.assertTrue(h.is_open)
        self.assertEqual((h.opens, h.closes), (T(8, 30), T(17, 15)))

    @override_settings(MADOGUCHI_NEW_YEAR_BREAK=((12, 28), (1, 4)))
    def test_the_new_year_break_is_configurable(self):
        self.assertFalse(self.hours("2026-12-28").is_open)
        self.assertFalse(self.hours("2027-01-04").is_open)

    def test_a_configured_saturday_holiday_issuance_day_opens_830_to_1715(self):
        self.assertFalse(self.hours("2026-06-13").is_open)
        SpecialDay.objects.create(
            date=date("2026-06-13"),
            office=self.main_office,
            kind=SpecialDay.Kind.HOLIDAY_ISSUANCE,
            opens=T(8, 30),
            closes=T(17, 15),
            reason="休日交付",
        )
        h = self.hours("2026-06-13")
        self.assertTrue(h.is_open)
        self.assertEqual((h.opens, h.closes), (T(8, 30), T(17, 15)))
        self.assertEqual(h.kind, "special:holiday_issuance")
        self.assertFalse(self.hours("2026-06-13", self.branch_office).is_open)

    def test_a_special_opening_overrides_a_national_holiday(self):
        SpecialDay.objects.create(
            date=date("2026-11-03"),
            office=None,
            kind=SpecialDay.Kind.OTHER_OPENING,
            opens=T(9, 0),
            closes=T(12, 0),
            reason="文化の日特別開庁",
        )
        for office in (self.main_office, self.branch_office):
            h = self.hours("2026-11-03", office)
            self.assertTrue(h.is_open)
            self.assertEqual((h.opens, h.closes), (T(9, 0), T(12, 0)))

    def test_a_closure_closes_an_ordinary_day_with_its_reason(self):
        SpecialDay.objects.create(
            date=date("2026-10-05"),
            office=self.branch_office,
            kind=SpecialDay.Kind.CLOSURE,
            reason="庁舎停電工事",
        )
        h = self.hours("2026-10-05", self.branch_office)
        self.assertFalse(h.is_open)
        self.assertEqual(h.reason, "庁舎停電工事")
        self.assertTrue(self.hours("2026-10-05").is_open)

    def test_an_office_entry_wins_over_an_all_office_entry(self):
        SpecialDay.objects.create(
            date=date("2027-03-27"),
            office=None,
            kind=SpecialDay.Kind.FISCAL_YEAR_END,
            opens=T(8, 30),
            closes=T(17, 15),
            reason="年度末開庁",
        )
        SpecialDay.objects.create(
            date=date("2027-03-27"),
            office=self.branch_office,
            kind=SpecialDay.Kind.CLOSURE,
            reason="支所は休業",
        )
        self.assertTrue(self.hours("2027-03-27").is_open)
        self.assertFalse(self.hours("2027-03-27", self.branch_office).is_open)

    def test_busy_season_extends_weekdays_until_1900_for_offices_that_take_part(self):
        BusySeason.objects.create(
            name="年度初め", start=date("2026-04-01"), end=date("2026-04-10"), closes=T(19, 0)
        )
        h = self.hours("2026-04-06")  # Monday
        self.assertEqual(h.closes, T(19, 0))
        self.assertEqual(h.kind, "busy_season")
        self.assertEqual(self.hours("2026-04-06", self.branch_office).closes, T(17, 15))
        self.assertFalse(self.hours("2026-04-04").is_open)  # Saturday stays closed
        self.assertEqual(self.hours("2026-04-13").closes, T(17, 15))

    def test_opening_days_of_a_range_skip_closed_days(self):
        days = services.opening_days(self.main_office, date("2026-05-01"), date("2026-05-10"))
        self.assertEqual([d.date.day for d in days], [1, 7, 8])

    def test_a_month_grid_has_whole_weeks_starting_on_monday(self):
        weeks = services.month_grid(2026, 4, [self.main_office])
        self.assertEqual(weeks[0][0]["date"], date("2026-03-30"))
        self.assertTrue(all(len(w) == 7 for w in weeks))


class RegularHoursTests(BaseTestCase):
    def test_a_special_opening_without_hours_takes_the_offices_own_regular_hours(self):
        self.branch_office.opens, self.branch_office.closes = T(9, 0), T(16, 0)
        self.branch_office.save()
        day = services.special_day_create(
            by=self.site_manager,
            date=date("2026-06-06"),
            kind=SpecialDay.Kind.HOLIDAY_ISSUANCE,
            reason="休日交付",
            office=self.branch_office,
        )
        self.assertEqual((day.opens, day.closes), (T(9, 0), T(16, 0)))

    @override_settings(MADOGUCHI_DEFAULT_OPEN="09:00", MADOGUCHI_DEFAULT_CLOSE="17:00")
    def test_a_special_opening_for_all_offices_takes_the_default_hours_setting(self):
        day = services.special_day_create(
            by=self.site_manager,
            date=date("2026-06-06"),
            kind=SpecialDay.Kind.HOLIDAY_ISSUANCE,
            reason="休日交付",
        )
        self.assertEqual((day.opens, day.closes), (T(9, 0), T(17, 0)))

    def test_the_call_center_keeps_the_main_offices_hours(self):
        self.assertEqual(services.main_office(), self.main_office)
        self.assertEqual(services.call_center_hours(date("2026-06-04")).closes, T(19, 0))  # Thursday evening

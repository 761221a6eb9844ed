from __future__ import annotations

import datetime
from collections import defaultdict

from django.test import override_settings

from madoguchi.accounts.testing import BaseTestCase
from madoguchi.calendar.models import SpecialDay
from madoguchi.staffing import forecast
from madoguchi.staffing.erlang import erlang_b
from madoguchi.staffing.forecast import FY2025_CALLS, ForecastError, build


def minutes(i: forecast.Interval) -> int:
    return (i.end.hour * 60 + i.end.minute) - (i.start.hour * 60 + i.start.minute)


class ForecastTest(BaseTestCase):
    def test_april_calls_come_from_the_spec_table_and_are_all_spread_over_the_opening_days(self) -> None:
        fc = build(self.main_office, 2026, 4)
        # The table's April, plus the FY2026 renewals' questions: (13,302 + 35,664) / 12 × 0.05 = 204.
        self.assertEqual(fc.figures["renewal_calls"], 204)
        self.assertEqual(fc.figures["calls"], {"reservation": 1096, "card_inquiry": 738 + 204, "other": 66})
        self.assertIn("令和7年度4月", fc.figures["calls_source"])
        phones = [i for i in fc.intervals if i.skill == "phones"]
        total = sum(i.calls_per_hour * minutes(i) / 60 for i in phones)
        self.assertAlmostEqual(total, 1900 + 204, delta=2)
        # April 2026: 22 weekdays, less 昭和の日 (Wed 29th).
        days = {i.date for i in phones}
        self.assertEqual(len(days), 21)
        self.assertNotIn(datetime.date(2026, 4, 29), days)

    def test_the_one_calendar_sets_the_intervals_of_each_day(self) -> None:
        fc = build(self.main_office, 2026, 4)
        by_day = defaultdict(list)
        for i in fc.intervals:
            if i.skill == "phones":
                by_day[i.date].append(i)
        tuesday, thursday = by_day[datetime.date(2026, 4, 7)], by_day[datetime.date(2026, 4, 9)]
        self.assertEqual(
            (tuesday[0].start, tuesday[-1].start, tuesday[-1].end),
            (datetime.time(8, 30), datetime.time(17, 0), datetime.time(17, 15)),
        )
        self.assertEqual(thursday[-1].end, datetime.time(19, 0))  # the main office's Thursday evening

    def test_mondays_and_days_after_a_holiday_get_more_calls(self) -> None:
        fc = build(self.main_office, 2026, 4)
        per_day: dict[datetime.date, float] = defaultdict(float)
        for i in fc.intervals:
            if i.skill == "phones":
                per_day[i.date] += i.calls_per_hour * minutes(i) / 60
        monday, friday = per_day[datetime.date(2026, 4, 13)], per_day[datetime.date(2026, 4, 17)]
        self.assertAlmostEqual(monday / friday, 1.30 / 0.90, places=3)
        # Thu 30th follows 昭和の日 (Wed 29th); Thu 23rd does not. Both close at 19:00.
        self.assertAlmostEqual(
            per_day[datetime.date(2026, 4, 30)] / per_day[datetime.date(2026, 4, 23)], 1.2, places=3
        )

    def test_phone_requirements_are_the_smallest_n_meeting_the_target(self) -> None:
        pure = {"target": 0.02, "shrinkage": 0, "callbacks": 0, "renewal_call_rate": 0}
        fc = build(self.main_office, 2026, 4, pure)
        aht = sum(fc.figures["calls"][c] * fc.figures["aht"][c] for c in forecast.CATEGORIES) / 1900
        for i in fc.intervals:
            if i.skill != "phones":
                continue
            load = i.calls_per_hour * aht / 3600
            self.assertLessEqual(erlang_b(i.required, load), 0.02 + 1e-9)
            if i.required:
                self.assertGreater(erlang_b(i.required - 1, load), 0.02)
        # Callback work and shrinkage only ever add people.
        full = build(self.main_office, 2026, 4, {"target": 0.02, "renewal_call_rate": 0})
        pairs = [(a, b) for a, b in zip(full.intervals, fc.intervals, strict=True) if a.skill == "phones"]
        self.assertTrue(all(a.required >= b.required for a, b in pairs))
        self.assertTrue(any(a.required > b.required for a, b in pairs))

    def test_when_six_lines_cannot_meet_the_target_it_says_so(self) -> None:
        fc = build(self.main_office, 2026, 4, {"calls_reservation": 40000, "target": 0.01})
        self.assertTrue(any("6回線すべてに配置しても" in m for m in fc.messages))
        self.assertEqual(max(i.required for i in fc.intervals if i.skill == "phones"), 6)

    @override_settings(MADOGUCHI_MINUTES_PER_CARD_PREPARATION=20, MADOGUCHI_MINUTES_PER_CARD_POST_ISSUANCE=11)
    def test_back_office_people_come_from_cards_times_twenty_and_eleven_minutes(self) -> None:
        fc = build(
            self.main_office,
            2026,
            4,
            {"cards_preparation": 2000, "cards_post_issuance": 1000, "shrinkage": 0},
        )
        self.assertEqual(fc.figures["back_office_hours"], round((2000 * 20 + 1000 * 11) / 60, 1))
        # Card work is spread over the regular hours only (8:30–17:15), not over the evening extension.
        regular_close = datetime.time(17, 15)
        open_minutes = sum(
            (min(d.closes, regular_close).hour * 60 + min(d.closes, regular_close).minute)
            - (d.opens.hour * 60 + d.opens.minute)
            for d in fc.days
        )
        people = -(-(2000 * 20 + 1000 * 11) // open_minutes)  # ceil
        bo = [i for i in fc.intervals if i.skill == "back_office"]
        self.assertEqual({i.required for i in bo if i.start < regular_close}, {people})
        self.assertEqual({i.required for i in bo if i.start >= regular_close}, {0})

    def test_the_site_manager_overrides_any_figure(self) -> None:
        fc = build(
            self.main_office,
            2026,
            4,
            {"calls_reservation": 0, "calls_card_inquiry": 0, "calls_other": 0, "floor_staff": 3},
        )
        self.assertEqual(fc.figures["calls_source"], "上書き")
        self.assertTrue(all(i.required == 0 for i in fc.intervals if i.skill == "phones"))
        self.assertTrue(all(i.required == 3 for i in fc.intervals if i.skill == "floor"))
        self.assertTrue(any("0件" in m for m in fc.messages))

    def test_negative_or_all_zero_forecasts_are_refused_with_the_reason(self) -> None:
        with self.assertRaisesMessage(ForecastError, "予約の月間呼数は0以上"):
            build(self.main_office, 2026, 4, {"calls_reservation": -5})
        with self.assertRaisesMessage(ForecastError, "予測がすべて0件"):
            build(
                self.main_office,
                2026,
                4,
                {
                    "calls_reservation": 0,
                    "calls_card_inquiry": 0,
                    "calls_other": 0,
                    "cards_preparation": 0,
                    "cards_post_issuance": 0,
                    "floor_staff": 0,
                },
            )

    def test_outreach_days_need_outreach_staff_and_no_phones(self) -> None:
        day = datetime.date(2026, 4, 19)  # a Sunday
        SpecialDay.objects.create(
            date=day,
            office=self.main_office,
            kind=SpecialDay.Kind.OUTREACH,
            opens=datetime.time(10),
            closes=datetime.time(16),
            reason="ゆめタウン出張申請",
        )
        fc = build(self.main_office, 2026, 4, {"outreach_staff": 4})
        that_day = [i for i in fc.intervals if i.date == day]
        self.assertEqual({i.skill for i in that_day}, {"outreach"})
        self.assertEqual({i.required for i in that_day}, {4})
        self.assertEqual(len(that_day), 12)

    def test_months_outside_the_table_use_its_average(self) -> None:
        fc = build(self.main_office, 2027, 1)
        self.assertEqual(fc.figures["calls"]["reservation"], round(10779 / 8))
        self.assertIn("平均", fc.figures["calls_source"])

    def test_logged_calls_replace_the_table_once_there_are_enough(self) -> None:
        from django.utils import timezone

        from madoguchi.calls.models import Call

        start = timezone.make_aware(datetime.datetime(2025, 4, 7, 10, 0))
        Call.objects.bulk_create(
            [
                Call(
                    started_at=start + datetime.timedelta(minutes=i),
                    direction=Call.Direction.INBOUND,
                    status=Call.Status.ENDED,
                    category="reservation" if i % 4 else "other",
                )
                for i in range(400)
            ]
        )
        fc = build(self.main_office, 2026, 4)
        self.assertEqual(fc.figures["calls"], {"reservation": 300, "card_inquiry": 204, "other": 100})
        self.assertIn("通話記録", fc.figures["calls_source"])


class SeasonShrinkageTest(BaseTestCase):
    def test_march_is_planned_as_the_fiscal_year_end_peak_with_shrinkage_on_top(self) -> None:
        march = build(self.main_office, 2027, 3, {"renewal_call_rate": 0})
        average = sum(sum(v) for v in FY2025_CALLS.values()) / len(FY2025_CALLS)
        self.assertAlmostEqual(sum(march.figures["calls"].values()), 1.4 * average, delta=3)
        self.assertIn("季節係数1.4", march.figures["calls_source"])
        lean = build(self.main_office, 2027, 3, {"renewal_call_rate": 0, "shrinkage": 0})
        # Shrinkage (10 %) never lowers a requirement and raises the back office's.
        pairs = list(zip(march.intervals, lean.intervals, strict=True))
        self.assertTrue(all(a.required >= b.required for a, b in pairs))
        bo = [(a.required, b.required) for a, b in pairs if a.skill == "back_office" and b.required]
        self.assertTrue(bo and all(a >= b for a, b in bo) and any(a > b for a, b in bo))


class OutreachEventForecastTest(BaseTestCase):
    def test_an_outreach_app_event_needs_one_person_per_window_and_a_guide(self) -> None:
        from madoguchi.outreach.models import OutreachEvent

        OutreachEvent.objects.create(
            venue="ゆめタウン久留米",
            date=datetime.date(2026, 4, 8),
            windows=3,
            opens=datetime.time(10),
            closes=datetime.time(16),
            created_by=self.site_manager,
        )
        fc = build(self.main_office, 2026, 4)
        out = [i for i in fc.intervals if i.skill == "outreach"]
        self.assertEqual({i.date for i in out}, {datetime.date(2026, 4, 8)})
        self.assertEqual({i.required for i in out}, {4})
        self.assertEqual((out[0].start, out[-1].end), (datetime.time(10), datetime.time(16)))
        # The office's own work that day is still there.
        self.assertTrue(
            any(i.skill == "phones" and i.date == datetime.date(2026, 4, 8) for i in fc.intervals)
        )

    def test_a_branch_plan_does_not_take_the_citys_calls_and_cards_a_second_time(self) -> None:
        fc = build(self.branch_office, 2026, 4)
        self.assertEqual(fc.figures["calls"], {"reservation": 0, "card_inquiry": 0, "other": 0})
        self.assertEqual((fc.figures["cards_preparation"], fc.figures["cards_post_issuance"]), (0, 0))
        self.assertIn("本庁", fc.figures["calls_source"])
        self.assertFalse(any(i.skill in ("phones", "back_office") and i.required for i in fc.intervals))
        self.assertTrue(any(i.skill == "floor" and i.required for i in fc.intervals))
        # The site manager can still give a branch its own figures.
        fc = build(self.branch_office, 2026, 4, {"calls_reservation": 200, "cards_preparation": 100})
        self.assertEqual(fc.figures["calls"]["reservation"], 200)
        self.assertEqual(fc.figures["cards_preparation"], 100)
        self.assertTrue(any(i.skill == "phones" and i.required for i in fc.intervals))


class CounterDemandTest(BaseTestCase):
    def test_the_floor_is_staffed_for_the_offices_booked_and_walk_in_visitors(self) -> None:
        from zoneinfo import ZoneInfo

        from madoguchi.reservations.models import AppointmentType, Reservation, Slot

        pickup, _ = AppointmentType.objects.get_or_create(code="staffing-test", defaults={"name": "受取"})
        busy = datetime.date(2026, 4, 7)
        slot = Slot.objects.create(
            office=self.branch_office,
            date=busy,
            start=datetime.time(10),
            end=datetime.time(10, 30),
            starts_at=datetime.datetime(2026, 4, 7, 10, tzinfo=ZoneInfo("Asia/Tokyo")),
            capacity=200,
        )
        for i in range(36):  # 36 bookings of 3 people + 12 walk-ins = 120 visitors at 田主丸 on the 7th
            Reservation.objects.create(
                code=f"ST{i:04d}",
                appointment_type=pickup,
                office=self.branch_office,
                date=busy,
                slot=slot,
                party_size=3,
                status="booked",
                channel="phone",
            )
        for i in range(12):
            Reservation.objects.create(
                code=f"SW{i:04d}",
                appointment_type=pickup,
                office=self.branch_office,
                date=busy,
                status="checked_in",
                channel="phone",
                is_walk_in=True,
            )
        Reservation.objects.create(  # cancelled: not a visitor
            code="SC0001", appointment_type=pickup, office=self.branch_office, date=busy, status="cancelled",
            channel="phone", party_size=9, slot=slot,
        )  # fmt: skip
        fc = build(self.branch_office, 2026, 4)
        floor = defaultdict(set)
        for i in fc.intervals:
            if i.skill == "floor":
                floor[i.date].add(i.required)
        # 120 × 15 min over 8:30–17:15 (525 min): 102.9 min a half-hour, 3.4 people, 3.8 with 10 % shrinkage.
        self.assertEqual(floor[busy], {4})
        self.assertEqual(floor[datetime.date(2026, 4, 8)], {2})  # no visitors booked: the default floor
        self.assertEqual(fc.figures["counter_visits"], 120)
        self.assertIn("予約の記録", fc.figures["counter_source"])
        # The main office has no bookings: its floor stays at the default, and says why.
        main = build(self.main_office, 2026, 4)
        self.assertEqual({i.required for i in main.intervals if i.skill == "floor"}, {2})
        self.assertIn("既定値", main.figures["counter_source"])

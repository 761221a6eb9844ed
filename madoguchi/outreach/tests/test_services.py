import datetime

from django.core.exceptions import ValidationError

from madoguchi.accounts.models import AuditEvent
from madoguchi.accounts.testing import BaseTestCase
from madoguchi.calendar.models import SpecialDay
from madoguchi.calendar.services import hours_for
from madoguchi.outreach import services
from madoguchi.outreach.models import ChecklistItem, OutreachEvent, Phase, StaffAssignment, WindowCount

from .factories import SATURDAY, WEEKDAY, make_event, make_member

T = datetime.time


class EventCreateTests(BaseTestCase):
    def test_a_saturday_event_becomes_a_special_opening_of_the_main_office(self):
        event = make_event(by=self.site_manager)
        day = SpecialDay.objects.get(date=SATURDAY)
        self.assertEqual((day.office, day.kind), (self.main_office, SpecialDay.Kind.OUTREACH))
        self.assertEqual(event.special_day, day)
        hours = hours_for(self.main_office, SATURDAY)
        self.assertTrue(hours.is_open)
        self.assertEqual((hours.opens, hours.closes, hours.kind), (T(10), T(16), "special:outreach"))
        self.assertIn("ゆめタウン久留米", hours.reason)
        # The branch office stays closed: the event is not a pickup opening elsewhere.
        self.assertFalse(hours_for(self.branch_office, SATURDAY).is_open)

    def test_a_weekday_event_leaves_the_office_hours_alone(self):
        event = make_event(by=self.site_manager, date=WEEKDAY)
        self.assertIsNone(event.special_day)
        self.assertFalse(SpecialDay.objects.exists())
        self.assertEqual(hours_for(self.main_office, WEEKDAY).closes, T(17, 15))

    def test_a_holiday_issuance_day_is_not_overwritten(self):
        SpecialDay.objects.create(
            date=SATURDAY,
            office=self.main_office,
            kind="holiday_issuance",
            opens=T(8, 30),
            closes=T(17, 15),
            reason="休日交付",
        )
        event = make_event(by=self.site_manager)
        self.assertIsNone(event.special_day)
        self.assertEqual(SpecialDay.objects.get(date=SATURDAY).kind, "holiday_issuance")

    def test_it_creates_windows_timeline_and_checklist(self):
        event = make_event(by=self.site_manager, windows=3)
        self.assertEqual(list(event.window_counts.values_list("window", flat=True)), [1, 2, 3])
        phases = {p.kind: p for p in event.phases.all()}
        self.assertEqual(phases[Phase.Kind.PREPARATION].date, SATURDAY - datetime.timedelta(days=1))
        self.assertEqual((phases["setup"].starts, phases["setup"].ends), (T(9), T(10)))
        self.assertEqual((phases["reception"].starts, phases["reception"].ends), (T(10), T(16)))
        self.assertEqual((phases["teardown"].starts, phases["teardown"].ends), (T(16), T(17)))
        self.assertTrue(event.checklist.filter(kind=ChecklistItem.Kind.EQUIPMENT, quantity=3).exists())
        self.assertTrue(event.checklist.filter(kind=ChecklistItem.Kind.SETUP).exists())
        self.assertTrue(
            AuditEvent.objects.filter(object_type="outreach.outreachevent", action="create").exists()
        )

    def test_more_than_four_windows_is_refused_and_nothing_is_saved(self):
        with self.assertRaises(ValidationError) as ctx:
            make_event(by=self.site_manager, windows=5)
        self.assertIn("最大4窓口", ctx.exception.message_dict["windows"][0])
        self.assertFalse(OutreachEvent.objects.exists())
        self.assertFalse(SpecialDay.objects.exists())

    def test_an_individual_number_in_the_note_is_refused(self):
        with self.assertRaises(ValidationError) as ctx:
            make_event(by=self.site_manager, note="連絡 123456789018")
        self.assertIn("note", ctx.exception.message_dict)
        self.assertFalse(OutreachEvent.objects.exists())

    def test_reception_must_end_after_it_starts(self):
        with self.assertRaises(ValidationError) as ctx:
            make_event(by=self.site_manager, opens=T(16), closes=T(10))
        self.assertIn("closes", ctx.exception.message_dict)


class EventChangeTests(BaseTestCase):
    def test_moving_the_event_to_a_weekday_removes_the_calendar_entry_and_moves_the_timeline(self):
        event = make_event(by=self.site_manager)
        event = services.event_update(by=self.site_manager, event=event, date=WEEKDAY)
        self.assertIsNone(event.special_day)
        self.assertFalse(SpecialDay.objects.exists())
        self.assertEqual(event.phases.get(kind="preparation").date, WEEKDAY - datetime.timedelta(days=1))
        self.assertEqual(event.phases.get(kind="reception").date, WEEKDAY)

    def test_new_hours_follow_into_the_calendar_and_the_reception_phase(self):
        event = make_event(by=self.site_manager)
        services.event_update(by=self.site_manager, event=event, opens=T(11), closes=T(15))
        self.assertEqual(hours_for(self.main_office, SATURDAY).opens, T(11))
        self.assertEqual(event.phases.get(kind="reception").ends, T(15))

    def test_windows_with_applications_cannot_be_removed(self):
        event = make_event(by=self.site_manager)
        services.window_count_adjust(by=self.floor, event=event, window=4, delta=1)
        with self.assertRaises(ValidationError) as ctx:
            services.event_update(by=self.site_manager, event=event, windows=3)
        self.assertIn("窓口4には受付件数があるため", ctx.exception.message_dict["windows"][0])
        self.assertEqual(WindowCount.objects.filter(event=event).count(), 4)
        services.event_update(by=self.site_manager, event=event, windows=4)
        services.window_count_adjust(by=self.floor, event=event, window=4, delta=-1)
        services.event_update(by=self.site_manager, event=event, windows=2)
        self.assertEqual(WindowCount.objects.filter(event=event).count(), 2)

    def test_cancelling_removes_the_calendar_entry_and_hands_it_to_another_event_that_day(self):
        first = make_event(by=self.site_manager)
        second = make_event(by=self.site_manager, venue="イオンモール久留米", opens=T(11), closes=T(15))
        self.assertIsNone(second.special_day)
        services.event_cancel(by=self.site_manager, event=first)
        second.refresh_from_db()
        self.assertIsNotNone(second.special_day)
        self.assertEqual(hours_for(self.main_office, SATURDAY).opens, T(11))
        with self.assertRaises(ValidationError):
            services.event_update(by=self.site_manager, event=first, windows=2)


class TimelineTests(BaseTestCase):
    def test_phases_must_follow_in_order(self):
        event = make_event(by=self.site_manager)
        with self.assertRaises(ValidationError) as ctx:
            services.phases_set(
                by=self.site_manager,
                event=event,
                phases={"teardown": (SATURDAY, T(8), T(9), "")},
            )
        self.assertIn("撤収は受付より後に始めてください", str(ctx.exception))
        self.assertEqual(event.phases.get(kind="teardown").starts, T(16))

    def test_a_phase_that_ends_before_it_starts_is_refused(self):
        event = make_event(by=self.site_manager)
        with self.assertRaises(ValidationError) as ctx:
            services.phases_set(
                by=self.site_manager, event=event, phases={"setup": (SATURDAY, T(9), T(8), "")}
            )
        self.assertIn("会場設営: 終了は開始より後", str(ctx.exception))

    def test_changing_the_reception_phase_changes_the_event_hours(self):
        event = make_event(by=self.site_manager)
        services.phases_set(
            by=self.site_manager, event=event, phases={"reception": (SATURDAY, T(10, 30), T(16), "")}
        )
        event.refresh_from_db()
        self.assertEqual(event.opens, T(10, 30))
        self.assertEqual(hours_for(self.main_office, SATURDAY).opens, T(10, 30))


class StaffAssignTests(BaseTestCase):
    def test_a_trained_member_is_assigned_from_setup_to_teardown(self):
        event = make_event(by=self.site_manager)
        member = make_member("松本 さくら")
        assignment = services.staff_assign(by=self.site_manager, event=event, member=member, duty="受付")
        self.assertEqual((assignment.starts, assignment.ends), (T(9), T(17)))
        self.assertTrue(AuditEvent.objects.filter(object_type="outreach.staffassignment").exists())

    def test_an_untrained_member_is_refused_with_the_missing_course(self):
        event = make_event(by=self.site_manager)
        member = make_member("未修了 太郎", trained=False)
        with self.assertRaises(ValidationError) as ctx:
            services.staff_assign(by=self.site_manager, event=event, member=member)
        message = ctx.exception.message_dict["member"][0]
        self.assertIn("未修了 太郎さんは出張申請に必要な研修", message)
        self.assertFalse(StaffAssignment.objects.exists())

    def test_a_member_without_the_outreach_skill_is_refused(self):
        event = make_event(by=self.site_manager)
        member = make_member("電話 専任", skills=["phones"])
        with self.assertRaises(ValidationError) as ctx:
            services.staff_assign(by=self.site_manager, event=event, member=member)
        self.assertIn("担当業務として登録されていません", ctx.exception.message_dict["member"][0])

    def test_a_member_is_not_double_booked_at_the_same_time_across_events(self):
        first = make_event(by=self.site_manager)
        second = make_event(by=self.site_manager, venue="イオンモール久留米", opens=T(13), closes=T(18))
        member = make_member("松本 さくら")
        services.staff_assign(by=self.site_manager, event=first, member=member)
        with self.assertRaises(ValidationError) as ctx:
            services.staff_assign(by=self.site_manager, event=second, member=member)
        self.assertIn(
            "同じ時間帯に「ゆめタウン久留米」（09:00〜17:00）に配置済み",
            ctx.exception.message_dict["member"][0],
        )
        # Back to back is fine: the morning at one venue, the evening at the other.
        services.staff_assign(by=self.site_manager, event=second, member=member, starts=T(17), ends=T(19))
        self.assertEqual(StaffAssignment.objects.filter(member=member).count(), 2)

    def test_a_cancelled_event_frees_its_staff(self):
        first = make_event(by=self.site_manager)
        second = make_event(by=self.site_manager, venue="イオンモール久留米")
        member = make_member("松本 さくら")
        services.staff_assign(by=self.site_manager, event=first, member=member)
        services.event_cancel(by=self.site_manager, event=first)
        services.staff_assign(by=self.site_manager, event=second, member=member)

    def test_the_same_member_twice_on_one_event_is_refused(self):
        event = make_event(by=self.site_manager)
        member = make_member("松本 さくら")
        services.staff_assign(by=self.site_manager, event=event, member=member, starts=T(9), ends=T(12))
        with self.assertRaises(ValidationError) as ctx:
            services.staff_assign(by=self.site_manager, event=event, member=member, starts=T(13), ends=T(17))
        self.assertIn("既にこの出張申請に配置", ctx.exception.message_dict["member"][0])


class ChecklistTests(BaseTestCase):
    def test_ticking_records_who_and_when_and_unticking_clears_it(self):
        event = make_event(by=self.site_manager)
        item = event.checklist.first()
        item = services.checklist_tick(by=self.floor, item=item, checked=True)
        self.assertEqual(item.checked_by, self.floor)
        self.assertIsNotNone(item.checked_at)
        # A second tick by someone else keeps the first person's name.
        item = services.checklist_tick(by=self.site_manager, item=item, checked=True)
        self.assertEqual(item.checked_by, self.floor)
        item = services.checklist_tick(by=self.site_manager, item=item, checked=False)
        self.assertIsNone(item.checked_by)
        self.assertEqual(AuditEvent.objects.filter(object_type="outreach.checklistitem").count(), 2)

    def test_an_item_is_added_at_the_end(self):
        event = make_event(by=self.site_manager)
        item = services.checklist_item_add(
            by=self.site_manager, event=event, kind="equipment", label="予備の用紙", quantity=50
        )
        self.assertEqual(list(event.checklist.filter(kind="equipment"))[-1], item)


class CountTests(BaseTestCase):
    def test_counts_go_up_and_down_but_never_below_zero(self):
        event = make_event(by=self.site_manager)
        services.window_count_adjust(by=self.floor, event=event, window=2, delta=1)
        services.window_count_adjust(by=self.floor, event=event, window=2, delta=1)
        services.window_count_adjust(by=self.floor, event=event, window=2, delta=-1)
        self.assertEqual(event.window_counts.get(window=2).applications, 1)
        with self.assertRaises(ValidationError) as ctx:
            services.window_count_adjust(by=self.floor, event=event, window=1, delta=-1)
        self.assertIn("窓口1の受付件数は0件のため、これ以上減らせません。", ctx.exception.messages)
        self.assertEqual(event.window_counts.get(window=1).applications, 0)

    def test_a_tap_sent_again_with_its_key_is_applied_once_and_a_refused_one_leaves_no_key(self):
        import uuid

        from madoguchi.outreach.models import WindowTap

        event = make_event(by=self.site_manager)
        plus, minus = uuid.uuid4(), uuid.uuid4()
        for _ in range(3):
            services.window_count_adjust(by=self.floor, event=event, window=2, delta=1, key=plus)
        self.assertEqual(event.window_counts.get(window=2).applications, 1)
        refused = uuid.uuid4()
        with self.assertRaises(ValidationError):
            services.window_count_adjust(by=self.floor, event=event, window=1, delta=-1, key=refused)
        self.assertFalse(WindowTap.objects.filter(key=refused).exists())
        for _ in range(2):
            services.window_count_adjust(by=self.floor, event=event, window=2, delta=-1, key=minus)
        self.assertEqual(event.window_counts.get(window=2).applications, 0)

    def test_an_unknown_window_or_a_big_step_is_refused(self):
        event = make_event(by=self.site_manager, windows=2)
        with self.assertRaises(ValidationError):
            services.window_count_adjust(by=self.floor, event=event, window=3, delta=1)
        with self.assertRaises(ValidationError):
            services.window_count_adjust(by=self.floor, event=event, window=1, delta=5)

    def test_an_inquiry_with_an_individual_number_is_refused(self):
        event = make_event(by=self.site_manager)
        with self.assertRaises(ValidationError):
            services.inquiry_add(by=self.floor, event=event, text="番号 1234-5678-9018 で確認したい")
        services.inquiry_add(by=self.floor, event=event, text="電子証明書の更新もできるか", window=1)
        self.assertEqual(event.inquiries.count(), 1)


class SummaryTests(BaseTestCase):
    def test_event_and_month_summaries_add_up_and_leave_out_cancelled_events(self):
        event = make_event(by=self.site_manager, windows=2)
        for window, n in [(1, 3), (2, 2)]:
            for _ in range(n):
                services.window_count_adjust(by=self.floor, event=event, window=window, delta=1)
        services.inquiry_add(by=self.floor, event=event, text="子どもの申請方法")
        cancelled = make_event(by=self.site_manager, venue="中止の会場")
        services.window_count_adjust(by=self.floor, event=cancelled, window=1, delta=1)
        services.event_cancel(by=self.site_manager, event=cancelled)
        make_event(by=self.site_manager, date=datetime.date(2026, 7, 4))

        summary = services.event_summary(event=event)
        self.assertEqual(summary["applications"], 5)
        self.assertEqual(summary["by_window"], {1: 3, 2: 2})
        self.assertEqual(summary["per_hour"], round(5 / 6, 1))

        month = services.month_summary(year=2026, month=6)
        self.assertEqual(month["events"], 1)
        self.assertEqual(month["applications"], 5)
        self.assertEqual(month["inquiries"], 1)
        self.assertEqual(month["applications_by_venue"], {"6/13 ゆめタウン久留米": 5})
        self.assertEqual([i["id"] for i in month["items"]], [event.pk])


class EventMoveClashTests(BaseTestCase):
    def test_moving_an_event_onto_a_day_where_its_staff_work_elsewhere_is_refused(self):
        first = make_event(by=self.site_manager)
        other_day = datetime.date(2026, 6, 14)
        second = make_event(by=self.site_manager, venue="イオンモール久留米", date=other_day)
        member = make_member("松本 さくら")
        services.staff_assign(by=self.site_manager, event=first, member=member)
        services.staff_assign(by=self.site_manager, event=second, member=member)
        with self.assertRaises(ValidationError) as ctx:
            services.event_update(by=self.site_manager, event=second, date=SATURDAY)
        self.assertIn(
            "松本 さくらさん（「ゆめタウン久留米」09:00〜17:00）", ctx.exception.message_dict["date"][0]
        )
        second.refresh_from_db()
        self.assertEqual(second.date, other_day)
        self.assertTrue(SpecialDay.objects.filter(date=other_day).exists())


class StaffingRecordTests(BaseTestCase):
    def test_a_day_off_or_an_office_shift_at_the_same_time_is_refused(self):
        from madoguchi.staffing.models import MonthPlan, PlanShift, Unavailability

        event = make_event(by=self.site_manager)
        resting = make_member("休暇 花子")
        Unavailability.objects.create(member=resting, date=SATURDAY, reason="年次休暇")
        with self.assertRaises(ValidationError) as ctx:
            services.staff_assign(by=self.site_manager, event=event, member=resting)
        self.assertIn("6月13日が勤務不可日です（年次休暇）", ctx.exception.message_dict["member"][0])

        on_phones = make_member("電話 当番")
        plan = MonthPlan.objects.create(office=self.main_office, year=2026, month=6)
        PlanShift.objects.create(
            plan=plan,
            member=on_phones,
            date=SATURDAY,
            skill="phones",
            template_code="A",
            start=T(8, 30),
            end=T(12),
            paid_minutes=210,
        )
        with self.assertRaises(ValidationError) as ctx:
            services.staff_assign(by=self.site_manager, event=event, member=on_phones)
        self.assertIn("本庁の電話応対シフト（08:30〜12:00）", ctx.exception.message_dict["member"][0])
        # After the phone shift ends the person may go to the venue.
        services.staff_assign(by=self.site_manager, event=event, member=on_phones, starts=T(12), ends=T(17))
        self.assertEqual(StaffAssignment.objects.filter(member__in=[resting, on_phones]).count(), 1)


class BeforeTheDayTests(BaseTestCase):
    def test_it_refuses_counts_and_inquiries_for_an_event_that_has_not_happened_yet(self):
        from django.utils import timezone

        event = make_event(by=self.site_manager, date=timezone.localdate() + datetime.timedelta(days=7))
        with self.assertRaisesMessage(ValidationError, "当日から記録できます"):
            services.window_count_adjust(by=self.site_manager, event=event, window=1, delta=1)
        with self.assertRaisesMessage(ValidationError, "当日から記録できます"):
            services.inquiry_add(by=self.site_manager, event=event, text="受取の予約について")
        self.assertEqual(WindowCount.objects.get(event=event, window=1).applications, 0)
        self.assertFalse(event.inquiries.exists())

    def test_the_day_page_says_so_before_the_event(self):
        from django.utils import timezone

        event = make_event(by=self.site_manager, date=timezone.localdate() + datetime.timedelta(days=7))
        self.login(self.site_manager)
        self.assertContains(self.client.get(f"/outreach/{event.pk}/day/"), "当日から記録できます")


class DuplicateEventTests(BaseTestCase):
    def test_the_same_venue_on_the_same_day_is_not_planned_twice(self):
        make_event(by=self.site_manager)
        with self.assertRaisesMessage(ValidationError, "既に登録されています"):
            make_event(by=self.site_manager)
        self.assertEqual(OutreachEvent.objects.count(), 1)

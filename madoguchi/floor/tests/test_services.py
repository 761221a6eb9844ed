import datetime
from unittest import mock

from django.core.exceptions import ValidationError
from django.utils import timezone

from madoguchi.accounts.models import AuditEvent
from madoguchi.accounts.testing import BaseTestCase
from madoguchi.floor import services
from madoguchi.floor.models import GuidanceTap, MynaportalAssist


def at(value: str) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.fromisoformat(value))


class GuidanceTapTests(BaseTestCase):
    def test_each_tap_counts_one_visitor_in_its_hour(self):
        with mock.patch("django.utils.timezone.now", return_value=at("2026-06-03 09:05")):
            services.guidance_tap(by=self.floor, office=self.main_office, purpose="pickup")
            services.guidance_tap(by=self.floor, office=self.main_office, purpose="pickup")
        with mock.patch("django.utils.timezone.now", return_value=at("2026-06-03 13:59")):
            services.guidance_tap(by=self.floor, office=self.main_office, purpose="mynaportal")
        services_counts = services.day_counts(office=self.main_office, date=datetime.date(2026, 6, 3))
        self.assertEqual(services_counts["total"], 3)
        self.assertEqual(services_counts["by_purpose"]["pickup"], 2)
        hours = {row["hour"]: row for row in services_counts["hours"]}
        self.assertEqual(hours[9]["total"], 2)
        self.assertEqual(hours[13]["total"], 1)
        self.assertEqual(hours[10]["total"], 0)

    def test_the_hour_rows_follow_each_offices_calendar_day(self):
        from madoguchi.calendar.models import SpecialDay

        self.branch_office.opens, self.branch_office.closes = datetime.time(9, 0), datetime.time(16, 0)
        self.branch_office.save()
        wednesday, saturday = datetime.date(2026, 6, 3), datetime.date(2026, 6, 6)
        SpecialDay.objects.create(
            date=saturday,
            office=self.main_office,
            kind=SpecialDay.Kind.HOLIDAY_ISSUANCE,
            opens=datetime.time(9, 0),
            closes=datetime.time(19, 0),
        )

        def hours(office, day):
            return [row["hour"] for row in services.day_counts(office=office, date=day)["hours"]]

        self.assertEqual(hours(self.main_office, wednesday), list(range(8, 18)))  # 8:30–17:15
        self.assertEqual(hours(self.branch_office, wednesday), list(range(9, 16)))  # 9:00–16:00
        self.assertEqual(hours(self.main_office, saturday), list(range(9, 19)))  # special opening to 19:00
        self.assertEqual(hours(self.branch_office, saturday), [])  # closed

    def test_a_tap_at_another_office_or_day_is_not_counted(self):
        with mock.patch("django.utils.timezone.now", return_value=at("2026-06-03 23:30")):
            services.guidance_tap(by=self.floor, office=self.main_office, purpose="other")
        services.guidance_tap(by=self.floor, office=self.branch_office, purpose="other")
        # 23:30 in Tokyo is still 3 June locally (14:30 UTC): the local date decides the day.
        self.assertEqual(
            services.day_counts(office=self.main_office, date=datetime.date(2026, 6, 3))["total"], 1
        )
        self.assertEqual(
            services.day_counts(office=self.main_office, date=datetime.date(2026, 6, 4))["total"], 0
        )

    def test_an_unknown_purpose_is_refused(self):
        with self.assertRaises(ValidationError):
            services.guidance_tap(by=self.floor, office=self.main_office, purpose="chat")
        self.assertFalse(GuidanceTap.objects.exists())

    def test_undo_takes_back_only_my_latest_tap_and_never_goes_below_zero(self):
        services.guidance_tap(by=self.site_manager, office=self.main_office, purpose="pickup")
        services.guidance_tap(by=self.floor, office=self.main_office, purpose="form_help")
        services.guidance_tap(by=self.floor, office=self.main_office, purpose="e_certificate")
        undone = services.guidance_undo(by=self.floor, office=self.main_office)
        self.assertEqual(undone.purpose, "e_certificate")
        services.guidance_undo(by=self.floor, office=self.main_office)
        with self.assertRaises(ValidationError) as ctx:
            services.guidance_undo(by=self.floor, office=self.main_office)
        self.assertIn("取り消せる記録がありません", ctx.exception.messages[0])
        counts = services.day_counts(office=self.main_office, date=timezone.localdate())
        self.assertEqual(counts["total"], 1)
        self.assertEqual(counts["by_purpose"]["pickup"], 1)
        self.assertTrue(all(v >= 0 for v in counts["by_purpose"].values()))
        self.assertEqual(
            AuditEvent.objects.filter(object_type="floor.guidancetap", action="update").count(), 2
        )


class AssistTests(BaseTestCase):
    def test_an_assist_without_follow_up_keeps_no_personal_data(self):
        assist = services.assist_record(
            by=self.floor, office=self.main_office, topic="insurance", outcome="done", minutes=10
        )
        self.assertFalse(assist.has_contact)
        with self.assertRaises(ValidationError) as ctx:
            services.assist_record(
                by=self.floor,
                office=self.main_office,
                topic="insurance",
                outcome="done",
                contact_name="久留米 太郎",
            )
        self.assertIn("記録しないでください", ctx.exception.message_dict["contact_name"][0])

    def test_a_follow_up_needs_a_contact_which_is_stored_encrypted_and_kept_out_of_the_audit(self):
        with self.assertRaises(ValidationError) as ctx:
            services.assist_record(
                by=self.floor,
                office=self.main_office,
                topic="cannot_login",
                outcome="not_resolved",
                follow_up=True,
            )
        self.assertIn("contact_phone", ctx.exception.message_dict)
        assist = services.assist_record(
            by=self.floor,
            office=self.main_office,
            topic="cannot_login",
            outcome="not_resolved",
            follow_up=True,
            contact_name="久留米 太郎",
            contact_phone="0942-30-9000",
        )
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SELECT contact_name FROM floor_mynaportalassist WHERE id = %s", [assist.pk])
            raw = cursor.fetchone()[0]
        self.assertNotIn("久留米", raw)
        self.assertEqual(MynaportalAssist.objects.get().contact_name, "久留米 太郎")
        event = AuditEvent.objects.get(object_type="floor.mynaportalassist")
        self.assertNotIn("0942", str(event.detail))

    def test_an_individual_number_in_the_note_is_refused(self):
        with self.assertRaises(ValidationError) as ctx:
            services.assist_record(
                by=self.floor,
                office=self.main_office,
                topic="other",
                outcome="explained",
                note="番号123456789018",
            )
        self.assertIn("note", ctx.exception.message_dict)
        self.assertFalse(MynaportalAssist.objects.exists())


class MonthSummaryTests(BaseTestCase):
    def test_it_counts_guidance_by_purpose_and_assists_by_topic_and_outcome(self):
        for when, purpose in [
            ("2026-06-01 09:00", "pickup"),
            ("2026-06-30 16:00", "pickup"),
            ("2026-07-01 09:00", "pickup"),
        ]:
            with mock.patch("django.utils.timezone.now", return_value=at(when)):
                services.guidance_tap(by=self.floor, office=self.main_office, purpose=purpose)
        with mock.patch("django.utils.timezone.now", return_value=at("2026-06-15 10:00")):
            services.guidance_tap(by=self.floor, office=self.main_office, purpose="other")
            services.guidance_undo(by=self.floor, office=self.main_office)
            services.assist_record(by=self.floor, office=self.main_office, topic="insurance", outcome="done")
            services.assist_record(
                by=self.floor, office=self.main_office, topic="public_fund_account", outcome="done"
            )
        summary = services.month_summary(year=2026, month=6)
        self.assertEqual(summary["guidance_total"], 2)
        self.assertEqual(summary["guidance_by_purpose"]["pickup"], 2)
        self.assertEqual(summary["guidance_by_purpose"]["other"], 0)
        self.assertEqual(summary["guidance_by_purpose_ja"]["受取"], 2)
        self.assertEqual(summary["mynaportal_total"], 2)
        self.assertEqual(summary["mynaportal_by_topic_ja"]["保険証の利用登録"], 1)
        self.assertEqual(summary["mynaportal_by_outcome"]["done"], 2)

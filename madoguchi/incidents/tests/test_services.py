from django.core.exceptions import ValidationError

from madoguchi.accounts.models import AuditEvent
from madoguchi.accounts.testing import BaseTestCase
from madoguchi.incidents import services
from madoguchi.incidents.models import Incident, IncidentNote

from .factories import at, make_incident

ANTI_SOCIAL = {
    "occurred_at": at("2026-06-02 14:00"),
    "category": Incident.Category.UNDUE_DEMAND,
    "severity": Incident.Severity.SERIOUS,
    "summary": "暴力団関係者を名乗る者の不当要求",
    "description": "優先的な交付を要求し、大声で威圧。毅然と拒否した。",
    "anti_social": True,
}


class IncidentRecordTests(BaseTestCase):
    def test_it_records_a_complaint_and_audits_it_without_the_text(self):
        incident = services.incident_record(
            by=self.floor,
            occurred_at=at("2026-05-12 10:30"),
            category=Incident.Category.COMPLAINT,
            severity=Incident.Severity.MINOR,
            summary="待ち時間への苦情",
            description="受取窓口の待ち時間が長いとの申し出。",
        )
        self.assertEqual(incident.status, Incident.Status.OPEN)
        self.assertEqual(incident.reported_by, self.floor)
        event = AuditEvent.objects.get(object_type="incidents.incident", action="create")
        self.assertEqual(event.detail["category"], "complaint")
        self.assertNotIn("待ち時間", str(event.detail))

    def test_an_anti_social_demand_is_recorded_at_once_and_closed_only_after_city_and_police_reports(self):
        # The person who faced the demand logs it before anyone has phoned the city or the police.
        incident = services.incident_record(by=self.floor, **ANTI_SOCIAL)
        self.assertTrue(incident.is_open)
        with self.assertRaises(ValidationError) as ctx:
            services.incident_close(by=self.site_manager, incident=incident, closure_note="対応済み")
        self.assertIn("city_notified_at", ctx.exception.message_dict)
        self.assertIn("police_reported_at", ctx.exception.message_dict)

    def test_a_police_report_time_needs_the_station_and_kind(self):
        with self.assertRaises(ValidationError) as ctx:
            services.incident_record(by=self.floor, police_reported_at=at("2026-06-02 15:00"), **ANTI_SOCIAL)
        self.assertIn("police_station", ctx.exception.message_dict)
        self.assertIn("police_report_kind", ctx.exception.message_dict)
        self.assertFalse(Incident.objects.exists())

    def test_it_records_an_anti_social_demand_with_the_police_report(self):
        incident = services.incident_record(
            by=self.site_manager,
            city_contact="市民課 渡辺",
            city_notified_at=at("2026-06-02 14:20"),
            police_station="久留米警察署",
            police_reported_at=at("2026-06-02 15:00"),
            police_report_kind=Incident.PoliceReportKind.NOTIFICATION,
            **ANTI_SOCIAL,
        )
        self.assertTrue(incident.anti_social)

    def test_it_refuses_anti_social_marking_on_a_plain_complaint(self):
        with self.assertRaises(ValidationError) as ctx:
            services.incident_record(
                by=self.floor,
                occurred_at=at("2026-05-12 10:30"),
                category=Incident.Category.COMPLAINT,
                summary="苦情",
                description="内容",
                anti_social=True,
                city_contact="市民課",
                city_notified_at=at("2026-05-12 11:00"),
                police_station="久留米警察署",
                police_reported_at=at("2026-05-12 12:00"),
                police_report_kind=Incident.PoliceReportKind.NOTIFICATION,
            )
        self.assertIn("anti_social", ctx.exception.message_dict)

    def test_it_refuses_an_individual_number_in_what_happened(self):
        with self.assertRaises(ValidationError) as ctx:
            services.incident_record(
                by=self.floor,
                occurred_at=at("2026-05-12 10:30"),
                category=Incident.Category.TROUBLE,
                summary="番号を読み上げた",
                description="来庁者が 1234 5678 9018 と読み上げた",
            )
        self.assertIn("description", ctx.exception.message_dict)
        self.assertIn("マイナンバー", ctx.exception.message_dict["description"][0])
        self.assertFalse(Incident.objects.exists())

    def test_it_refuses_a_city_report_before_the_incident(self):
        with self.assertRaises(ValidationError) as ctx:
            services.incident_record(
                by=self.floor,
                occurred_at=at("2026-05-12 10:30"),
                category=Incident.Category.TROUBLE,
                summary="機器の故障",
                description="統合端末が起動しない",
                city_contact="市民課",
                city_notified_at=at("2026-05-12 09:00"),
            )
        self.assertIn("city_notified_at", ctx.exception.message_dict)


class IncidentFollowUpTests(BaseTestCase):
    def test_a_note_is_appended_and_audited(self):
        incident = make_incident(by=self.floor)
        services.incident_note_add(
            by=self.site_manager, incident=incident, text="本人へ謝罪し、待ち時間表示を改善"
        )
        self.assertEqual(incident.notes.count(), 1)
        self.assertTrue(AuditEvent.objects.filter(object_type="incidents.incidentnote").exists())

    def test_an_empty_note_or_an_individual_number_is_refused(self):
        incident = make_incident(by=self.floor)
        with self.assertRaises(ValidationError):
            services.incident_note_add(by=self.floor, incident=incident, text="  ")
        with self.assertRaises(ValidationError):
            services.incident_note_add(by=self.floor, incident=incident, text="番号 123456789018")
        self.assertFalse(IncidentNote.objects.exists())

    def test_the_update_records_the_city_report_and_names_the_fields_in_the_audit(self):
        incident = make_incident(by=self.floor)
        services.incident_update(
            by=self.site_manager,
            incident=incident,
            city_contact="市民課 渡辺",
            city_notified_at=at("2026-05-12 11:00"),
        )
        incident.refresh_from_db()
        self.assertEqual(incident.city_contact, "市民課 渡辺")
        event = AuditEvent.objects.get(object_type="incidents.incident", action="update")
        self.assertEqual(sorted(event.detail["fields"]), ["city_contact", "city_notified_at"])


class IncidentCloseTests(BaseTestCase):
    def test_it_refuses_to_close_before_the_city_was_told(self):
        incident = make_incident(by=self.floor)
        with self.assertRaises(ValidationError) as ctx:
            services.incident_close(by=self.site_manager, incident=incident, closure_note="解決")
        self.assertIn("city_notified_at", ctx.exception.message_dict)
        incident.refresh_from_db()
        self.assertTrue(incident.is_open)

    def test_it_closes_with_the_result_and_then_refuses_changes(self):
        incident = make_incident(
            by=self.floor, city_contact="市民課 渡辺", city_notified_at=at("2026-05-12 11:00")
        )
        services.incident_close(by=self.director, incident=incident, closure_note="謝罪し了承を得た")
        incident.refresh_from_db()
        self.assertEqual(incident.status, Incident.Status.CLOSED)
        self.assertEqual(incident.closed_by, self.director)
        with self.assertRaises(ValidationError):
            services.incident_update(by=self.director, incident=incident, severity=Incident.Severity.SERIOUS)
        with self.assertRaises(ValidationError):
            services.incident_note_add(by=self.director, incident=incident, text="追記")
        with self.assertRaises(ValidationError):
            services.incident_close(by=self.director, incident=incident, closure_note="再度")


class MonthSummaryTests(BaseTestCase):
    def test_it_counts_the_month_and_lists_carried_over_items_with_their_state(self):
        told = {"city_contact": "市民課", "city_notified_at": at("2026-05-31 12:00")}
        carried = make_incident(by=self.floor, occurred_at=at("2026-05-31 10:00"), **told)
        make_incident(
            by=self.floor,
            occurred_at=at("2026-04-30 10:00"),
            status="closed",
            closed_at=at("2026-04-30 12:00"),
        )
        make_incident(by=self.floor, occurred_at=at("2026-06-01 00:10"), category=Incident.Category.TROUBLE)
        closed = make_incident(
            by=self.floor,
            occurred_at=at("2026-06-10 10:00"),
            severity=Incident.Severity.SERIOUS,
            category=Incident.Category.UNDUE_DEMAND,
            anti_social=True,
            police_station="久留米警察署",
            police_reported_at=at("2026-06-10 11:00"),
            police_report_kind="notification",
            city_contact="市民課",
            city_notified_at=at("2026-06-10 10:30"),
        )
        services.incident_close(by=self.director, incident=closed, closure_note="届出済み")
        make_incident(by=self.floor, occurred_at=at("2026-07-01 00:00"))

        summary = services.month_summary(year=2026, month=6)

        self.assertEqual(summary["total"], 2)
        self.assertEqual(summary["by_category"], {"trouble": 1, "complaint": 0, "undue_demand": 1})
        self.assertEqual(summary["by_category_ja"]["不当要求"], 1)
        self.assertEqual(summary["by_severity"][3], 1)
        self.assertEqual(summary["anti_social"], 1)
        self.assertEqual(summary["police_reports"], 1)
        # Closed "now" (after June) counts as open at the end of June: the report shows the state then.
        self.assertEqual([i["id"] for i in summary["items"]][0], carried.pk)
        self.assertEqual(len(summary["items"]), 3)
        self.assertEqual(summary["open_at_month_end"], 3)

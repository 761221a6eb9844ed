from madoguchi.accounts.models import AuditEvent
from madoguchi.accounts.roles import Role
from madoguchi.accounts.testing import BaseTestCase
from madoguchi.incidents.models import Incident

from .factories import at, make_incident

STAFF = {Role.OPERATOR, Role.BACK_OFFICE, Role.FLOOR, Role.SITE_MANAGER, Role.DIRECTOR}
MANAGERS = {Role.SITE_MANAGER, Role.DIRECTOR}

FORM = {
    "occurred_at": "2026-05-12T10:30",
    "office": "",
    "place": "交付窓口",
    "category": "complaint",
    "severity": "1",
    "summary": "待ち時間への苦情",
    "description": "待ち時間が長いとの申し出",
    "city_contact": "",
    "city_notified_at": "",
    "police_station": "",
    "police_report_kind": "",
    "police_reported_at": "",
    "police_reference": "",
}


class IncidentRoleMatrixTests(BaseTestCase):
    def setUp(self):
        self.incident = make_incident(by=self.floor)

    def test_who_may_open_each_screen(self):
        self.assert_role_matrix("/incidents/", STAFF | {Role.CITY_STAFF})
        self.assert_role_matrix(f"/incidents/{self.incident.pk}/", STAFF | {Role.CITY_STAFF})
        self.assert_role_matrix("/incidents/new/", STAFF)
        self.assert_role_matrix(f"/incidents/{self.incident.pk}/edit/", MANAGERS)

    def test_who_may_post_notes_and_close(self):
        # An empty post is a 400 for allowed roles (nothing is written) and a 403 for the others.
        self.assert_role_matrix(f"/incidents/{self.incident.pk}/notes/", STAFF, method="post", ok_status=400)
        self.assert_role_matrix(
            f"/incidents/{self.incident.pk}/close/", MANAGERS, method="post", ok_status=400
        )
        self.assertFalse(self.incident.notes.exists())


class IncidentViewTests(BaseTestCase):
    def test_floor_staff_record_a_complaint(self):
        self.login(self.floor)
        response = self.client.post("/incidents/new/", FORM)
        incident = Incident.objects.get()
        self.assertRedirects(response, f"/incidents/{incident.pk}/")
        self.assertEqual(incident.place, "交付窓口")
        self.assertEqual(incident.reported_by, self.floor)

    def test_floor_staff_record_an_anti_social_demand_before_it_is_reported_and_see_what_is_missing(self):
        self.login(self.floor)
        response = self.client.post(
            "/incidents/new/", {**FORM, "category": "undue_demand", "anti_social": "on"}
        )
        incident = Incident.objects.get()
        self.assertRedirects(response, f"/incidents/{incident.pk}/")
        page = self.client.get(f"/incidents/{incident.pk}/")
        self.assertContains(page, "市への報告がまだ記録されていません")
        self.assertContains(page, "未届出")
        self.assertContains(page, "所轄の警察署へ届け出て")

    def test_an_individual_number_in_the_description_is_refused(self):
        self.login(self.floor)
        response = self.client.post(
            "/incidents/new/", {**FORM, "description": "番号は１２３４５６７８９０１８"}
        )
        self.assertContains(response, "マイナンバーは記録できません")
        self.assertFalse(Incident.objects.exists())

    def test_the_list_shows_open_incidents_and_filters_by_htmx(self):
        make_incident(by=self.floor, summary="開いている件")
        make_incident(by=self.floor, summary="閉じた件", status="closed", closed_at=at("2026-05-13 10:00"))
        self.login(self.city_staff)
        response = self.client.get("/incidents/")
        self.assertContains(response, "開いている件")
        self.assertNotContains(response, "閉じた件")
        response = self.client.get("/incidents/", {"status": "closed"}, headers={"HX-Request": "true"})
        self.assertContains(response, "閉じた件")
        self.assertNotContains(response, "<html")

    def test_a_long_history_is_counted_paged_and_exported_whole(self):
        base = make_incident(by=self.floor, summary="元の件")
        Incident.objects.bulk_create(
            Incident(**{**model_to_dict_for_copy(base), "summary": f"件{i}"}) for i in range(349)
        )
        self.login(self.city_staff)
        response = self.client.get("/incidents/", {"status": "all"})
        self.assertContains(response, "350件中 1–50件")
        self.assertContains(response, "status=all&amp;page=7")
        self.assertContains(
            self.client.get("/incidents/", {"status": "all", "page": "7"}), "350件中 301–350件"
        )
        export = self.client.get("/incidents/", {"status": "all", "export": "csv"})
        self.assertEqual(len(export.content.decode("utf-8-sig").splitlines()), 351)
        self.assertTrue(AuditEvent.objects.filter(action="export", object_type="incidents.incident").exists())

    def test_a_manager_records_the_city_report_then_closes(self):
        incident = make_incident(by=self.floor)
        self.login(self.site_manager)
        data = {**FORM, "city_contact": "市民課 渡辺", "city_notified_at": "2026-05-12T11:00"}
        response = self.client.post(f"/incidents/{incident.pk}/edit/", data)
        self.assertRedirects(response, f"/incidents/{incident.pk}/")
        response = self.client.post(f"/incidents/{incident.pk}/close/", {"closure_note": "謝罪し了承を得た"})
        self.assertRedirects(response, f"/incidents/{incident.pk}/")
        incident.refresh_from_db()
        self.assertEqual(incident.status, Incident.Status.CLOSED)
        self.assertTrue(
            AuditEvent.objects.filter(action="transition", object_type="incidents.incident").exists()
        )

    def test_closing_before_the_city_report_explains_why(self):
        incident = make_incident(by=self.floor)
        self.login(self.director)
        response = self.client.post(f"/incidents/{incident.pk}/close/", {"closure_note": "解決"})
        self.assertContains(
            response, "市への報告（報告先と日時）を記録してから完了にしてください。", status_code=400
        )

    def test_a_follow_up_note_is_added(self):
        incident = make_incident(by=self.floor)
        self.login(self.operator)
        response = self.client.post(f"/incidents/{incident.pk}/notes/", {"text": "折り返し連絡した"})
        self.assertRedirects(response, f"/incidents/{incident.pk}/")
        self.assertEqual(incident.notes.get().text, "折り返し連絡した")


class DashboardWidgetTests(BaseTestCase):
    def test_the_widget_lists_open_incidents_only_and_flags_missing_reports(self):
        from django.template.loader import render_to_string

        make_incident(by=self.floor, summary="未報告のトラブル")
        make_incident(
            by=self.floor, summary="完了したトラブル", status="closed", closed_at=at("2026-05-13 10:00")
        )
        html = render_to_string("incidents/_dashboard.html", {})
        self.assertIn("対応中のトラブル・苦情（1件）", html)
        self.assertIn("未報告のトラブル", html)
        self.assertIn("市へ未報告", html)
        self.assertNotIn("完了したトラブル", html)

    def test_the_widget_is_declared_for_managers_only(self):
        from django.apps import apps

        [(template, perm)] = apps.get_app_config("incidents").dashboard_widgets
        self.assertEqual(template, "incidents/_dashboard.html")
        self.assertTrue(self.director.has_perm(perm))
        self.assertTrue(self.site_manager.has_perm(perm))
        self.assertFalse(self.operator.has_perm(perm))
        self.assertFalse(self.city_staff.has_perm(perm))


def model_to_dict_for_copy(incident: Incident) -> dict:
    """The stored fields of an incident, without its id, to bulk-create look-alikes."""
    return {
        f.attname: getattr(incident, f.attname) for f in Incident._meta.concrete_fields if not f.primary_key
    }

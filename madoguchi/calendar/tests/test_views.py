from madoguchi.accounts.models import AuditEvent
from madoguchi.accounts.testing import BaseTestCase, date
from madoguchi.calendar.models import SpecialDay


class CalendarViewTests(BaseTestCase):
    def test_the_month_shows_hours_per_office(self):
        self.login(self.operator)
        response = self.client.get("/calendar/", {"month": "2026-09"})
        self.assertContains(response, "2026年9月")
        self.assertContains(response, "国民の休日")
        self.assertContains(response, "田主丸総合支所")

    def test_an_htmx_request_gets_only_the_grid(self):
        self.login(self.operator)
        response = self.client.get("/calendar/", {"month": "2026-09"}, headers={"HX-Request": "true"})
        self.assertContains(response, "2026年9月")
        self.assertNotContains(response, "<html")

    def test_a_site_manager_adds_a_holiday_issuance_day_and_it_is_audited(self):
        self.login(self.site_manager)
        response = self.client.post(
            "/calendar/special-days/",
            {
                "day-date": "2026-06-13",
                "day-office": self.main_office.pk,
                "day-kind": "holiday_issuance",
                "day-opens": "",
                "day-closes": "",
                "day-reason": "休日交付",
            },
        )
        self.assertRedirects(response, "/calendar/special-days/")
        day = SpecialDay.objects.get(date=date("2026-06-13"))
        self.assertEqual(str(day.opens), "08:30:00")
        self.assertTrue(
            AuditEvent.objects.filter(action="create", object_type="calendar.specialday").exists()
        )

    def test_it_refuses_a_second_entry_for_the_same_day_and_office(self):
        SpecialDay.objects.create(date=date("2026-06-13"), office=None, kind="closure", reason="x")
        self.login(self.site_manager)
        response = self.client.post(
            "/calendar/special-days/",
            {
                "day-date": "2026-06-13",
                "day-office": "",
                "day-kind": "closure",
                "day-reason": "y",
            },
        )
        self.assertContains(response, "既に特別開庁または休業が登録されています")
        self.assertEqual(SpecialDay.objects.count(), 1)

    def test_it_refuses_an_individual_number_in_the_reason(self):
        self.login(self.site_manager)
        response = self.client.post(
            "/calendar/special-days/",
            {
                "day-date": "2026-06-13",
                "day-office": "",
                "day-kind": "closure",
                "day-reason": "1234-5678-9018",
            },
        )
        self.assertContains(response, "マイナンバーは記録できません")
        self.assertFalse(SpecialDay.objects.exists())

    def test_a_site_manager_deletes_an_entry_with_a_post(self):
        day = SpecialDay.objects.create(date=date("2026-06-13"), office=None, kind="closure", reason="x")
        self.login(self.site_manager)
        self.assertEqual(self.client.get(f"/calendar/special-days/{day.pk}/delete/").status_code, 405)
        self.client.post(f"/calendar/special-days/{day.pk}/delete/")
        self.assertFalse(SpecialDay.objects.exists())
        self.assertTrue(
            AuditEvent.objects.filter(action="delete", object_type="calendar.specialday").exists()
        )

    def test_a_site_manager_adds_a_busy_season(self):
        self.login(self.site_manager)
        self.client.post(
            "/calendar/busy-seasons/add/",
            {
                "season-name": "年度末",
                "season-start": "2027-03-22",
                "season-end": "2027-03-31",
                "season-closes": "19:00",
            },
        )
        from madoguchi.calendar.models import BusySeason

        self.assertTrue(BusySeason.objects.filter(name="年度末").exists())

    def test_city_staff_cannot_delete_entries(self):
        day = SpecialDay.objects.create(date=date("2026-06-13"), office=None, kind="closure", reason="x")
        self.login(self.city_staff)
        self.assertEqual(self.client.post(f"/calendar/special-days/{day.pk}/delete/").status_code, 403)
        self.assertTrue(SpecialDay.objects.exists())


class FormAccessibilityTests(BaseTestCase):
    def test_help_text_is_linked_to_its_field_for_screen_readers(self):
        self.login(self.site_manager)
        response = self.client.get("/calendar/special-days/")
        html = response.content.decode()
        self.assertIn('aria-describedby="id_day-opens_helptext"', html)
        self.assertIn('id="id_day-opens_helptext"', html)

from __future__ import annotations

import datetime

from django.urls import reverse

from madoguchi.accounts.testing import BaseTestCase
from madoguchi.staffing.models import ShiftTemplate
from madoguchi.staffing.solver import Day, Template, validate_templates

VIEWERS = {"operator", "back_office", "floor", "site_manager", "director", "city_staff"}
T = datetime.time


class ShiftTemplateViewsTest(BaseTestCase):
    def test_role_matrix(self) -> None:
        self.assert_role_matrix(reverse("staffing:templates"), VIEWERS)

    def test_the_seeded_templates_show_their_legal_breaks(self) -> None:
        self.login(self.site_manager)
        response = self.client.get(reverse("staffing:templates"))
        self.assertContains(response, "8:30〜17:15")
        self.assertContains(response, "60分")
        self.assertContains(response, "7時間45分")

    def test_a_shift_outside_the_service_hours_is_refused_with_the_reason(self) -> None:
        self.login(self.site_manager)
        data = {"code": "early", "name": "早番", "start": "7:30", "end": "16:15"}
        response = self.client.post(reverse("staffing:templates"), data)
        self.assertContains(response, "開庁時間外のシフトは作れません", status_code=400)
        self.assertFalse(ShiftTemplate.objects.filter(code="early").exists())
        response = self.client.post(reverse("staffing:templates"), {**data, "start": "9:10", "end": "15:00"})
        self.assertContains(response, "15分単位", status_code=400)
        response = self.client.post(reverse("staffing:templates"), {**data, "start": "9:00", "end": "15:00"})
        self.assertRedirects(response, reverse("staffing:templates"))
        self.assertTrue(ShiftTemplate.objects.filter(code="early", part_time=False).exists())
        response = self.client.post(reverse("staffing:templates"), {**data, "start": "9:00", "end": "15:00"})
        self.assertContains(response, "すでに使われています", status_code=400)

    def test_only_managers_add_templates(self) -> None:
        self.login(self.operator)
        data = {"code": "x", "name": "x", "start": "9:00", "end": "15:00"}
        self.assertEqual(self.client.post(reverse("staffing:templates"), data).status_code, 403)

    def test_the_solver_names_a_template_that_fits_no_opening_of_the_month(self) -> None:
        days = [Day(datetime.date(2026, 4, 7), T(8, 30), T(17, 15))]
        messages = validate_templates(days, [Template("late", "遅番", T(10, 15), T(19, 0))])
        self.assertEqual(len(messages), 1)
        self.assertIn("遅番", messages[0])
        self.assertIn("8:30〜17:15", messages[0])

    def test_a_template_accepts_times_typed_with_full_width_digits(self) -> None:
        self.login(self.site_manager)
        data = {"code": "mid", "name": "中番", "start": "９：００", "end": "15時"}
        response = self.client.post(reverse("staffing:templates"), data)
        self.assertRedirects(response, reverse("staffing:templates"))
        t = ShiftTemplate.objects.get(code="mid")
        self.assertEqual((t.start, t.end), (T(9, 0), T(15, 0)))

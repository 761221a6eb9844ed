"""Managers edit sub-categories; a remapping does not rewrite months already counted."""

from __future__ import annotations

from django.utils import timezone

from madoguchi.accounts.testing import BaseTestCase
from madoguchi.calls import services
from madoguchi.calls.models import CallCategory


class CategoryTests(BaseTestCase):
    def test_the_spec_items_are_there_each_in_one_report_column(self):
        names = dict(CallCategory.objects.values_list("name", "column"))
        self.assertEqual(names["受取予約（新規）"], "reservation")
        self.assertEqual(names["受取予約（取消）"], "reservation")
        self.assertEqual(names["電子証明書"], "card_inquiry")
        self.assertEqual(names["通知カード・個人番号通知書"], "card_inquiry")
        self.assertEqual(names["その他"], "other")
        self.assertEqual(len(names), 10)

    def test_a_manager_adds_and_remaps_a_sub_category(self):
        self.login(self.site_manager)
        response = self.client.post(
            "/calls/categories/",
            {"name": "国外転出", "column": "card_inquiry", "key": "a", "sort_order": 110, "is_active": "on"},
        )
        self.assertRedirects(response, "/calls/categories/")
        cat = CallCategory.objects.get(name="国外転出")
        call = services.call_log(
            by=self.operator, line=1, subcategory=cat, outcome="resolved", started_at=timezone.now()
        )
        self.client.post(
            f"/calls/categories/{cat.pk}/",
            {"name": "国外転出", "column": "other", "key": "a", "sort_order": 110, "is_active": "on"},
        )
        cat.refresh_from_db()
        call.refresh_from_db()
        self.assertEqual(cat.column, "other")
        self.assertEqual(call.category, "card_inquiry")  # counted as it was when logged

    def test_a_duplicate_name_is_refused(self):
        self.login(self.site_manager)
        response = self.client.post(
            "/calls/categories/", {"name": "カード", "column": "other", "sort_order": 1}
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(CallCategory.objects.filter(name="カード").count(), 1)
        self.assertContains(response, "error")

    def test_a_key_already_used_by_an_active_sub_category_is_refused(self):
        self.login(self.site_manager)
        response = self.client.post(
            "/calls/categories/",
            {"name": "国外転出", "column": "other", "key": "3", "sort_order": 1, "is_active": "on"},
        )
        self.assertContains(response, "選択キー「3」は「カード」で使われています")
        self.assertFalse(CallCategory.objects.filter(name="国外転出").exists())

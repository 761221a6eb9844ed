"""Every calls view × every role: allowed roles get the page, everyone else 403, anonymous to login."""

from __future__ import annotations

import datetime

from django.utils import timezone

from madoguchi.accounts.testing import BaseTestCase
from madoguchi.calls import services
from madoguchi.calls.models import CallCategory, PhoneMemo

DESK = {"operator", "site_manager", "director"}
READERS = DESK | {"city_staff"}
OFFICE_PHONES = DESK | {"back_office", "floor", "city_staff"}
MANAGERS = {"site_manager", "director", "admin"}


class RoleMatrixTests(BaseTestCase):
    def setUp(self):
        self.callback = services.callback_create(
            by=self.operator,
            phone="0942-00-0000",
            reason="用件",
            due_at=timezone.now() + datetime.timedelta(hours=1),
        )
        self.memo = PhoneMemo.objects.create(for_whom="市民課", message="m", taken_by=self.floor)
        self.category = CallCategory.objects.first()

    def test_call_desk_views(self):
        self.assert_role_matrix("/calls/take/", DESK)
        self.assert_role_matrix("/calls/take/faq/?q=予約", DESK)
        self.assert_role_matrix("/calls/take/active/", DESK)
        self.assert_role_matrix("/calls/take/", DESK, method="post", data={"line": "1"}, ok_status=200)
        # The booking panel: those at the call desk who may also book (the director takes calls but does not book).
        self.assert_role_matrix(
            "/calls/take/booking/",
            DESK - {"director"},
            method="post",
            data={"booking_key": "k1", "action": "day"},
        )

    def test_call_records_and_figures(self):
        self.assert_role_matrix("/calls/", READERS)
        self.assert_role_matrix("/calls/monthly/", READERS)
        self.assert_role_matrix("/calls/dashboard/", READERS)
        self.assert_role_matrix("/api/calls/monthly?year=2026&month=5", READERS)

    def test_callback_views(self):
        pk = self.callback.pk
        self.assert_role_matrix("/calls/callbacks/", DESK)
        self.assert_role_matrix("/calls/callbacks/new/", DESK)
        self.assert_role_matrix(f"/calls/callbacks/{pk}/", DESK)
        for action in ("attempt", "close"):
            self.assert_role_matrix(
                f"/calls/callbacks/{pk}/{action}/", DESK, method="post", data={}, ok_status=302
            )
        self.assert_role_matrix(f"/calls/callbacks/{pk}/assign/", DESK, method="post", ok_status=302)

    def test_phone_memo_views(self):
        self.assert_role_matrix("/calls/memos/", OFFICE_PHONES)
        self.assert_role_matrix(
            f"/calls/memos/{self.memo.pk}/hand-over/",
            OFFICE_PHONES - {"city_staff"},
            method="post",
            ok_status=302,
        )
        # City staff read and approve only (issue 12): they read memos but do not mark them done.
        self.assert_role_matrix(
            f"/calls/memos/{self.memo.pk}/done/", OFFICE_PHONES - {"city_staff"}, method="post", ok_status=302
        )

    def test_category_views(self):
        self.assert_role_matrix("/calls/categories/", MANAGERS)
        self.assert_role_matrix(f"/calls/categories/{self.category.pk}/", MANAGERS)

    def test_nav_and_dashboard_widget_follow_the_permissions(self):
        # Checked through the shell's own helpers, so another app's unfinished widget cannot break it.
        from django.apps import apps
        from django.template.loader import render_to_string

        from madoguchi.accounts.context_processors import nav_for

        config = apps.get_app_config("calls")
        ((template, perm),) = config.dashboard_widgets
        urls = {item["url"] for item in nav_for(self.operator) if item["app"] == "calls"}
        self.assertEqual(urls, {"/calls/take/", "/calls/", "/calls/callbacks/", "/calls/memos/"})
        self.assertTrue(self.operator.has_perm(perm))
        self.assertTrue(self.city_staff.has_perm(perm))
        self.assertFalse(self.floor.has_perm(perm))
        floor_urls = {item["url"] for item in nav_for(self.floor) if item["app"] == "calls"}
        self.assertEqual(floor_urls, {"/calls/memos/"})
        html = render_to_string(template)
        self.assertIn("本日のコールセンター", html)
        self.assertIn('id="calls-callbacks-overdue"', html)

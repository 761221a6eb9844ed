"""Every calls view × every role: allowed roles get the page, everyone else 403, anonymous to login."""

from __future__ import annotations

import datetime

from django.utils import timezone

from madoguchi.accounts.testing import BaseTestCase
from madoguchi.calls import services
from madoguchi.calls.models import CallCategory, PhoneMemo

DESK = {"operator", "site_manager", "director"}
READERS = DESK | {"city_staff", "admin"}
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
            f"/calls/memos/{self.memo.pk}/hand-over/", OFFICE_PHONES, method="post", ok_status=302
        )
        self.assert_role_matrix(
            f"/calls/memos/{self.memo.pk}/done/", OFFICE_PHONES, method="post", ok_status=302
        )

    def test_category_views(self):
        self.assert_role_matrix("/calls/categories/", MANAGERS)
        self.assert_role_matrix(f"/calls/categories/{self.category.pk}/", MANAGERS)

    def test_nav_and_dashboard_widget_follow_the_permissions(self):
        self.login(self.operator)
        home = self.client.get("/")
        self.assertContains(home, "本日のコールセンター")
        self.assertContains(home, 'href="/calls/take/"')
        self.assertNotContains(home, 'href="/calls/categories/"')
        self.login(self.floor)
        home = self.client.get("/")
        self.assertNotContains(home, "本日のコールセンター")
        self.assertContains(home, 'href="/calls/memos/"')

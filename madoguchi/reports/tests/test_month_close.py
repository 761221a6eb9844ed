"""月次締め: the list of what would make the month's report wrong, fixed or explained there, then closed."""

from __future__ import annotations

import datetime

from django.urls import reverse

from madoguchi.accounts.models import AuditEvent
from madoguchi.accounts.roles import Role
from madoguchi.accounts.testing import BaseTestCase
from madoguchi.calls.models import Call, Callback, CallCategory
from madoguchi.calls.services import categories_seed
from madoguchi.reports import reconcile
from madoguchi.reports.models import MonthClose, ReconcileNote

from .factories import at, make_card

MAY = datetime.date(2026, 5, 10)


class ReconcileItemsTest(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        categories_seed()
        self.unclassified = Call.objects.create(
            direction="inbound",
            status="ended",
            source="cti",
            started_at=at("2026-04-02", 9),
            cti_call_id="pbx-1",
        )
        self.ringing = Call.objects.create(
            direction="inbound", status="ringing", started_at=at("2026-04-03", 9)
        )
        Call.objects.create(
            direction="inbound", status="missed", started_at=at("2026-04-03", 10)
        )  # not an item
        Call.objects.create(
            direction="inbound", status="ended", started_at=at("2026-04-03", 11), category="other"
        )  # fine
        self.callback = Callback.objects.create(
            reason="折り返し", due_at=at("2026-04-04", 12), created_at=at("2026-04-03", 12)
        )
        self.card = make_card(self.main_office, state="issued")  # issued without an issue date

    def keys(self) -> set[str]:
        return {i.key for i in reconcile.reconcile_items(year=2026, month=4)}

    def test_it_lists_every_kind_of_item_that_would_make_the_report_wrong(self) -> None:
        self.assertEqual(
            self.keys(),
            {
                f"call:{self.unclassified.pk}",
                f"call:{self.ringing.pk}",
                f"callback:{self.callback.pk}",
                f"card:{self.card.notice_number}",
            },
        )

    def test_a_month_with_open_items_is_not_closed_and_the_message_counts_them(self) -> None:
        with self.assertRaisesMessage(reconcile.CloseError, "未処理の確認項目が 4 件"):
            reconcile.month_close(by=self.director, year=2026, month=4, today=MAY)
        self.assertFalse(MonthClose.objects.filter(closed_at__isnull=False).exists())

    def test_fixing_and_explaining_every_item_lets_the_director_close_the_month(self) -> None:
        self.client.force_login(self.site_manager)
        url = reverse("reports:month_close", args=["2026-04"])
        category = CallCategory.objects.get(name="カード")
        self.client.post(
            url,
            {
                "action": "reclassify",
                "object_id": self.unclassified.pk,
                "subcategory": category.pk,
                "reason": "録音で確認",
            },
        )
        self.unclassified.refresh_from_db()
        self.assertEqual(self.unclassified.category, "card_inquiry")
        self.client.post(
            url,
            {
                "action": "callback_outcome",
                "object_id": self.callback.pk,
                "outcome": "not_needed",
                "reason": "本人から再入電",
            },
        )
        self.callback.refresh_from_db()
        self.assertEqual((self.callback.status, self.callback.outcome), ("closed", "not_needed"))
        for key in (f"call:{self.ringing.pk}", f"card:{self.card.notice_number}"):
            self.client.post(
                url, {"action": "explain", "item_key": key, "explanation": "終話イベント欠落を確認済"}
            )
        self.assertEqual(ReconcileNote.objects.count(), 2)
        # The site manager may fix and explain, but only the director closes.
        self.assertEqual(self.client.post(url, {"action": "close"}).status_code, 403)
        self.client.force_login(self.director)
        response = self.client.get(url)
        self.assertContains(response, "確認項目はすべて処理済み")
        self.client.post(url, {"action": "close"}, follow=True)
        self.assertTrue(MonthClose.objects.get(year=2026, month=4).is_closed)
        self.assertTrue(
            AuditEvent.objects.filter(object_type="reports.monthclose", detail__status="closed").exists()
        )

    def test_an_explanation_needs_text_and_a_real_item(self) -> None:
        self.client.force_login(self.director)
        url = reverse("reports:month_close", args=["2026-04"])
        response = self.client.post(
            url, {"action": "explain", "item_key": "call:999999", "explanation": "x"}, follow=True
        )
        self.assertContains(response, "確認項目にありません")
        response = self.client.post(
            url, {"action": "explain", "item_key": f"call:{self.ringing.pk}", "explanation": " "}, follow=True
        )
        self.assertContains(response, "説明を入力してください")
        self.assertFalse(ReconcileNote.objects.exists())

    def test_a_running_month_cannot_be_closed(self) -> None:
        today = datetime.date.today()
        with self.assertRaisesMessage(reconcile.CloseError, "まだ終わっていない"):
            reconcile.month_close(by=self.director, year=today.year, month=today.month)

    def test_the_screen_is_for_the_site_manager_and_the_director(self) -> None:
        self.assert_role_matrix(
            reverse("reports:month_close", args=["2026-04"]), {Role.SITE_MANAGER, Role.DIRECTOR}
        )

    def test_reading_a_months_report_or_its_close_screen_writes_no_close_record(self) -> None:
        self.client.force_login(self.director)
        self.client.get(reverse("reports:monthly"), {"month": "2026-04"})
        self.client.get(reverse("reports:month_close", args=["2026-04"]))
        self.assertFalse(MonthClose.objects.filter(year=2026, month=4).exists())

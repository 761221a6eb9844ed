"""The closed-callback history is never cut: every closed callback is counted, paged and exported."""

from __future__ import annotations

import datetime

from django.utils import timezone

from madoguchi.accounts.models import AuditEvent
from madoguchi.accounts.testing import BaseTestCase
from madoguchi.calls.models import Callback


class ClosedCallbackListTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        now = timezone.now()
        Callback.objects.bulk_create(
            Callback(
                reason=f"用件{i}",
                due_at=now,
                status=Callback.Status.CLOSED,
                outcome=Callback.Outcome.RESOLVED,
                closed_at=now - datetime.timedelta(minutes=i),
                closed_by=cls.operator,
            )
            for i in range(350)
        )

    def setUp(self) -> None:
        self.login(self.operator)

    def test_three_hundred_and_fifty_closed_callbacks_are_all_counted_and_paged(self) -> None:
        response = self.client.get("/calls/callbacks/?status=closed")
        self.assertContains(response, "350件中 1–50件")
        self.assertContains(response, "status=closed&amp;page=7")
        last = self.client.get("/calls/callbacks/?status=closed&page=7")
        self.assertContains(last, "350件中 301–350件")

    def test_the_export_holds_every_closed_callback_without_the_reason_and_is_audited(self) -> None:
        response = self.client.get("/calls/callbacks/?status=closed&export=csv")
        lines = response.content.decode("utf-8-sig").splitlines()
        assert len(lines) == 351
        assert "用件" not in response.content.decode("utf-8-sig")
        event = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT, object_type="calls.callback")
        assert event.detail["count"] == 350

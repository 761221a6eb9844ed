"""The report page's submission history shows the last two years and says when there are more."""

from __future__ import annotations

from django.utils import timezone

from madoguchi.accounts.testing import BaseTestCase
from madoguchi.reports.models import MonthlyReport

from .factories import load_calls


class SubmissionHistoryTest(BaseTestCase):
    def test_the_history_says_how_many_months_it_leaves_out(self) -> None:
        load_calls({"2026-04": [5, 4, 3, 12]})
        for i in range(30):
            MonthlyReport.objects.create(
                year=2024 + i // 12,
                month=i % 12 + 1,
                snapshot={},
                snapshot_hash="0" * 64,
                submitted_at=timezone.now(),
                submitted_by=self.director,
            )
        self.login(self.director)
        page = self.client.get("/reports/monthly/?month=2026-04")
        self.assertContains(page, "全30件のうち新しい24件を表示しています")

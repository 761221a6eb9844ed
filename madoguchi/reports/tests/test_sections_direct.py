"""Sections read their source apps directly: a figure that cannot be computed stops the report (no
「データなし」 guess), and unanswered calls appear as 放棄呼 / あふれ呼, never in the spec's columns."""

from __future__ import annotations

import datetime
from unittest import mock

from django.db import DatabaseError

from madoguchi.accounts.testing import BaseTestCase
from madoguchi.calls.models import Call
from madoguchi.reports import services

from .factories import at

MAY = datetime.date(2026, 5, 10)


class SectionFailureTest(BaseTestCase):
    def test_a_source_app_that_fails_stops_the_report_instead_of_printing_no_data(self) -> None:
        with (
            mock.patch("madoguchi.calls.selectors.month_call_table", side_effect=DatabaseError("boom")),
            self.assertRaises(DatabaseError),
        ):
            services.monthly_report_build(year=2026, month=4, today=MAY)
        with (
            mock.patch("madoguchi.outreach.services.month_summary", side_effect=RuntimeError("boom")),
            self.assertRaises(RuntimeError),
        ):
            services.monthly_report_build(year=2026, month=4, today=MAY)


class AnsweringSectionTest(BaseTestCase):
    def test_abandoned_and_rolled_over_calls_are_their_own_rows_not_unclassified(self) -> None:
        Call.objects.bulk_create(
            [
                Call(direction="inbound", status="ended", started_at=at("2026-04-02", 9), category="other"),
                Call(
                    direction="inbound", status="ended", started_at=at("2026-04-02", 9)
                ),  # nobody classified it
                Call(direction="inbound", status="missed", started_at=at("2026-04-02", 10)),
                Call(direction="inbound", status="overflowed", started_at=at("2026-04-03", 10)),
            ]
        )
        data = services.monthly_report_build(year=2026, month=4, today=MAY)
        f = data.figures
        self.assertEqual(f["call_table.2026-04.total"], 1)
        self.assertEqual(
            (f["answering.2026-04.offered"], f["answering.2026-04.answered"]),
            (4, 2),
        )
        self.assertEqual((f["answering.2026-04.abandoned"], f["answering.2026-04.rolled_over"]), (1, 1))
        problems = " ".join(data.problems)
        self.assertIn("区分が未入力の入電が 1 件", problems)
        half_hours = data.section("answering").tables[1].rows  # type: ignore[union-attr]
        self.assertEqual([r[0] for r in half_hours], ["09:00〜09:30", "10:00〜10:30"])
        self.assertEqual(half_hours[0][5], "100.0%")

    def test_cti_calls_are_counted_by_how_they_ended_and_unreported_ends_are_their_own_column(self) -> None:
        def cti(cause: str, day: str) -> Call:
            return Call(
                direction="inbound",
                status="ended",
                source=Call.Source.CTI,
                started_at=at(day, 9),
                hangup_cause=cause,
                category="other",
            )

        Call.objects.bulk_create(
            [cti("answered", "2026-04-02"), cti("answered", "2026-04-03"), cti("busy", "2026-04-03")]
            + [cti("caller_hung_up", "2026-04-04"), cti("", "2026-04-05"), cti("no_answer", "2026-05-01")]
            + [Call(direction="inbound", status="ended", started_at=at("2026-04-02", 11), category="other")]
        )
        data = services.monthly_report_build(year=2026, month=4, today=MAY)
        table = data.section("answering").tables[-1]  # type: ignore[union-attr]
        self.assertEqual(table.caption, "CTI入電の終話の理由（月別）")
        self.assertEqual(
            dict(zip(table.header, table.rows[0], strict=True)),
            {
                "月": "4月",
                "応答後に終話": 2,
                "話し中": 1,
                "応答なし": 0,
                "呼出中に相手が切断": 1,
                "終話未通知": 1,
                "計": 5,
            },
        )

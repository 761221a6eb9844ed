"""Building the monthly report from what was logged: empty months, future months, inconsistent data,
card steps, callbacks, the appendix, and submission with later edits flagged."""

from __future__ import annotations

import datetime

from madoguchi.accounts.testing import BaseTestCase
from madoguchi.calls.models import Callback, PhoneMemo
from madoguchi.reports import services

from .factories import at, load_calls, make_card, step, submit_month

MAY = datetime.date(2026, 5, 20)


class EmptyAndFutureMonthTest(BaseTestCase):
    def test_it_builds_a_correct_empty_report_for_a_month_with_no_data(self) -> None:
        data = services.monthly_report_build(year=2026, month=4, today=MAY)
        self.assertTrue(data.is_empty)
        self.assertEqual(data.call_rows, [["4月", 0, 0, 0, 0]])
        self.assertEqual(data.call_section.tables[0].total, ["計", 0, 0, 0, 0])
        self.assertEqual(data.appendix.rows, [])
        self.assertEqual(data.problems, [])
        self.assertFalse(data.in_progress)

    def test_it_refuses_a_future_month_with_a_clear_message(self) -> None:
        with self.assertRaisesMessage(services.ReportError, "令和8年6月はまだ始まっていない"):
            services.monthly_report_build(year=2026, month=6, today=MAY)

    def test_it_marks_the_running_month_as_in_progress(self) -> None:
        data = services.monthly_report_build(year=2026, month=5, today=MAY)
        self.assertTrue(data.in_progress)
        self.assertEqual(data.period.as_of, MAY)

    def test_the_fiscal_year_period_runs_from_april(self) -> None:
        period = services.report_period(
            year=2027, month=2, scope="fiscal_year", today=datetime.date(2027, 3, 1)
        )
        self.assertEqual((period.start, period.end), (datetime.date(2026, 4, 1), datetime.date(2027, 3, 1)))
        self.assertEqual(period.label, "令和8年度（4月〜2月）")


class CardSectionTest(BaseTestCase):
    def test_it_counts_each_step_done_in_the_month_and_ignores_undone_steps(self) -> None:
        from madoguchi.cards.models import CardEvent

        a = make_card(self.main_office)
        b = make_card(self.branch_office)
        step(a, "set_up", at("2026-04-03"))
        step(b, "set_up", at("2026-04-03"))
        step(b, "filed", at("2026-04-04"))
        step(b, "shipped", at("2026-04-10"))
        wrong = step(a, "filed", at("2026-04-05"))
        CardEvent.objects.create(
            card=a, at=at("2026-04-05", 11), from_state="filed", to_state="set_up", undoes=wrong
        )
        step(a, "set_up", at("2026-03-31", 23))  # March: not in April's report
        data = services.monthly_report_build(year=2026, month=4, today=MAY)
        f = data.figures
        self.assertEqual(f["cards.step.set_up"], 2)
        self.assertEqual(f["cards.step.filed"], 1)
        self.assertEqual(f["cards.step.shipped"], 1)
        self.assertEqual(f[f"cards.shipped.{self.branch_office.code}"], 1)

    def test_it_lists_an_issued_card_without_an_issuance_date_on_the_report(self) -> None:
        card = make_card(self.main_office)
        step(card, "issued", at("2026-04-10"))
        ok = make_card(self.main_office, issued_on=datetime.date(2026, 4, 10))
        step(ok, "issued", at("2026-04-10"))
        data = services.monthly_report_build(year=2026, month=4, today=MAY)
        self.assertEqual(data.figures["cards.missing_issued_on"], 1)
        self.assertEqual(data.figures["cards.issued_on"], 1)
        self.assertEqual(len(data.problems), 1)
        self.assertIn(card.notice_number, data.problems[0])
        self.assertNotIn(ok.notice_number, data.problems[0])
        # On the report itself, not only on screen.
        import io

        from pypdf import PdfReader

        from madoguchi.reports.render.pdf import report_pdf

        text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(report_pdf(data))).pages)
        self.assertIn("交付日が記録されていない", text)
        self.assertIn(card.notice_number, text)

    def test_it_counts_cards_past_their_holding_deadline_as_of_the_month_end(self) -> None:
        make_card(self.main_office, state="notice_mailed", holding_deadline=datetime.date(2026, 4, 15))
        make_card(self.main_office, state="notice_mailed", holding_deadline=datetime.date(2026, 5, 15))
        make_card(
            self.main_office,
            state="issued",
            holding_deadline=datetime.date(2026, 4, 1),
            issued_on=datetime.date(2026, 3, 30),
        )
        data = services.monthly_report_build(year=2026, month=4, today=MAY)
        self.assertEqual(data.figures["cards.past_holding"], 1)

    def test_the_appendix_lists_notice_numbers_and_states_but_never_names(self) -> None:
        card = make_card(self.branch_office)
        step(card, "set_up", at("2026-04-03"))
        data = services.monthly_report_build(year=2026, month=4, today=MAY)
        flat = " ".join(str(v) for row in data.appendix.rows for v in row)
        self.assertIn(card.notice_number, flat)
        self.assertIn("交付前設定済", flat)
        self.assertIn(self.branch_office.name, flat)
        self.assertNotIn("報告", flat)
        self.assertNotIn("ホウコク", flat)


class CallbackSectionTest(BaseTestCase):
    def test_it_counts_callbacks_created_done_and_overdue_and_roll_overs(self) -> None:
        load_calls({}, extra={"2026-04": 3})
        Callback.objects.create(
            source="overflow", reason="予約の確認", due_at=at("2026-04-02"), created_at=at("2026-04-01")
        )
        Callback.objects.create(
            source="unresolved",
            reason="手続き",
            due_at=at("2026-04-02"),
            created_at=at("2026-04-01"),
            status="closed",
            outcome="resolved",
            closed_at=at("2026-04-03"),
        )
        Callback.objects.create(
            source="unresolved", reason="手続き", due_at=at("2026-05-02"), created_at=at("2026-04-30")
        )
        PhoneMemo.objects.create(
            kind="internal",
            for_whom="市民課",
            message="折り返し希望",
            taken_by=self.floor,
            received_at=at("2026-04-08"),
        )
        data = services.monthly_report_build(year=2026, month=4, today=MAY)
        f = data.figures
        self.assertEqual(f["callbacks.rollovers"], 3)
        self.assertEqual(f["callbacks.created"], 3)
        self.assertEqual(f["callbacks.created_overflow"], 1)
        self.assertEqual(f["callbacks.closed"], 1)
        self.assertEqual(f["callbacks.closed_late"], 1)
        self.assertEqual(f["callbacks.open"], 2)
        self.assertEqual(f["callbacks.overdue"], 1)
        self.assertEqual(f["phone_memos.internal"], 1)
        self.assertEqual(f["phone_memos.pending"], 1)
        kinds = [row[0] for row in data.appendix.rows]
        self.assertEqual(kinds.count("折り返し"), 3)
        self.assertEqual(kinds.count("電話メモ"), 1)
        # Rolled-over calls are not in the spec's columns.
        self.assertEqual(data.call_rows, [["4月", 0, 0, 0, 0]])


class ChangeFlagTest(BaseTestCase):
    def test_a_step_after_the_month_changes_nothing_but_a_late_keyed_step_dated_in_the_month_is_flagged(
        self,
    ) -> None:
        card = make_card(self.main_office)
        step(card, "set_up", at("2026-04-03"))
        submit_month(self.director)
        step(card, "filed", at("2026-05-10"))  # May: the card's current state moves, April's work does not
        self.assertEqual(services.monthly_report_build(year=2026, month=4).changes, [])
        late = make_card(self.branch_office)
        step(late, "set_up", at("2026-04-28"))  # keyed in late, dated in April
        changes = {
            c.key: (c.submitted, c.now) for c in services.monthly_report_build(year=2026, month=4).changes
        }
        self.assertEqual(changes["cards.step.set_up"], (1, 2))
        # The month-end stock comes from the history: it is April 30's state, so it moves too.
        self.assertEqual(changes["cards.stock.set_up"], (1, 2))

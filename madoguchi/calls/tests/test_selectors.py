"""Call-centre figures from the CTI record (calls.selectors) and corrections at month close."""

from __future__ import annotations

import datetime
import itertools
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError

from madoguchi.accounts.models import AuditEvent
from madoguchi.accounts.testing import BaseTestCase
from madoguchi.calls import selectors
from madoguchi.calls.models import Call, CallCategory, CallCorrection
from madoguchi.calls.services import call_reclassify, categories_seed, cti_event_apply

TOKYO = ZoneInfo("Asia/Tokyo")


def t(day: int, hour: int, minute: int = 0, second: int = 0, month: int = 10) -> datetime.datetime:
    return datetime.datetime(2026, month, day, hour, minute, second, tzinfo=TOKYO)


def cti_call(
    call_id: str, *, ring: datetime.datetime, answer_after: int | None, talk: int = 0, overflow: bool = False
) -> Call:
    cti_event_apply(
        kind="newCall", call_id=call_id, at=ring, line=1, direction="inbound", from_number="0942000000"
    )
    if overflow:
        return cti_event_apply(
            kind="overflow", call_id=call_id, at=ring + datetime.timedelta(seconds=20)
        ).call
    if answer_after is not None:
        answered = ring + datetime.timedelta(seconds=answer_after)
        cti_event_apply(kind="answer", call_id=call_id, at=answered, line=1)
        return cti_event_apply(
            kind="hangup", call_id=call_id, at=answered + datetime.timedelta(seconds=talk)
        ).call
    return cti_event_apply(kind="hangup", call_id=call_id, at=ring + datetime.timedelta(seconds=40)).call


class CallFiguresTest(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        cti_call("a", ring=t(1, 9, 5), answer_after=10, talk=120)
        cti_call("b", ring=t(1, 9, 20), answer_after=30, talk=240)
        cti_call("c", ring=t(1, 9, 40), answer_after=None)  # the caller hung up: 放棄呼
        cti_call("d", ring=t(2, 13, 10), answer_after=None, overflow=True)  # every line busy: あふれ呼
        cti_call("e", ring=t(31, 23, 59, 59), answer_after=5, talk=60)  # the month's last second
        cti_call("f", ring=t(1, 0, 0, 0, month=11), answer_after=5, talk=60)  # November

    def test_the_month_counts_offered_answered_abandoned_and_rolled_over_calls(self) -> None:
        f = selectors.call_figures_month(year=2026, month=10)
        self.assertEqual((f.offered, f.answered, f.abandoned, f.rolled_over), (5, 3, 1, 1))
        self.assertAlmostEqual(f.answer_rate or 0, 3 / 5)
        self.assertEqual(f.answer_rate_label, "60.0%")
        self.assertAlmostEqual(f.avg_talk_seconds or 0, (120 + 240 + 60) / 3)
        self.assertAlmostEqual(f.avg_wait_seconds or 0, (10 + 30 + 5) / 3)

    def test_half_hours_are_local_time_and_come_from_the_calls_themselves(self) -> None:
        rows = {
            f"{h.start:%H:%M}": h.figures for h in selectors.call_figures_by_half_hour(year=2026, month=10)
        }
        self.assertEqual(sorted(rows), ["09:00", "09:30", "13:00", "23:30"])
        self.assertEqual((rows["09:00"].offered, rows["09:00"].answered), (2, 2))
        self.assertEqual((rows["09:30"].abandoned, rows["09:30"].answer_rate), (1, 0.0))
        self.assertEqual(rows["13:00"].rolled_over, 1)

    def test_unanswered_calls_are_never_counted_as_unclassified(self) -> None:
        table = selectors.month_call_table(year=2026, month=10)
        # Three answered CTI calls nobody logged: unclassified. The abandoned and rolled-over ones are not.
        self.assertEqual(table.unclassified, 3)
        self.assertEqual(table.total, 0)
        self.assertEqual(table.figures.abandoned + table.figures.rolled_over, 2)
        self.assertEqual(selectors.unclassified_answered_calls(year=2026, month=10).count(), 3)
        self.assertEqual(selectors.cti_calls_without_record(year=2026, month=10).count(), 3)

    def test_a_roll_over_callback_is_dated_when_the_roll_over_happened_not_when_the_event_arrived(
        self,
    ) -> None:
        # The overflow event of 31 October arrives on 1 November (a PBX retry queue).
        cti_event_apply(
            kind="newCall", call_id="late", at=t(31, 17, 0), direction="inbound", from_number="0942111111"
        )
        result = cti_event_apply(kind="overflow", call_id="late", at=t(31, 17, 0, 20))
        assert result.callback is not None
        self.assertEqual(result.callback.created_at, t(31, 17, 0, 20))
        self.assertEqual(
            selectors.callbacks_without_outcome(year=2026, month=10).filter(pk=result.callback.pk).count(), 1
        )


class ReclassifyTest(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        categories_seed()
        self.answered = cti_call("x", ring=t(5, 10), answer_after=3, talk=90)
        self.missed = cti_call("y", ring=t(5, 11), answer_after=None)
        self.booking = CallCategory.objects.get(name="受取予約（新規）")

    def test_a_director_gives_an_answered_call_its_column_with_a_reason_and_an_audit_row(self) -> None:
        correction = call_reclassify(
            by=self.director, call=self.answered, subcategory=self.booking, reason="録音で予約と確認"
        )
        self.answered.refresh_from_db()
        self.assertEqual((self.answered.category, self.answered.subcategory), ("reservation", self.booking))
        self.assertEqual((correction.from_category, correction.to_category), ("", "reservation"))
        self.assertEqual(correction.reason, "録音で予約と確認")
        audit = AuditEvent.objects.filter(object_type="calls.call", object_id=str(self.answered.pk)).latest(
            "pk"
        )
        self.assertEqual(audit.detail["correction"], correction.pk)
        self.assertEqual(selectors.month_call_table(year=2026, month=10).reservation, 1)

    def test_it_refuses_a_correction_without_a_reason_or_for_an_unanswered_call(self) -> None:
        with self.assertRaisesMessage(ValidationError, "訂正の理由を入力してください"):
            call_reclassify(by=self.director, call=self.answered, subcategory=self.booking, reason="  ")
        with self.assertRaisesMessage(ValidationError, "応答していない入電"):
            call_reclassify(by=self.director, call=self.missed, subcategory=self.booking, reason="確認済")
        self.assertFalse(CallCorrection.objects.exists())

    def test_it_refuses_an_individual_number_in_the_reason(self) -> None:
        with self.assertRaises(ValidationError):
            call_reclassify(
                by=self.director, call=self.answered, subcategory=self.booking, reason="123456789018"
            )
        self.assertFalse(CallCorrection.objects.exists())


class FigureInvariantTest(BaseTestCase):
    def test_the_parts_always_add_up_to_the_calls_offered(self) -> None:
        # Every multiset of up to four call outcomes (70 cases), each checked against the definitions.
        kinds = ["ended", "missed", "overflowed", "ringing"]
        cases = [list(c) for n in range(5) for c in itertools.combinations_with_replacement(kinds, n)]
        for statuses in cases:
            with self.subTest(statuses=statuses):
                Call.objects.all().delete()
                Call.objects.bulk_create(
                    [
                        Call(direction="inbound", status=s, started_at=t(3, 10, i * 10))
                        for i, s in enumerate(statuses)
                    ]
                )
                f = selectors.call_figures_month(year=2026, month=10)
                self.assertEqual(f.answered + f.abandoned + f.rolled_over + f.ringing, f.offered)
                self.assertEqual(f.offered, len(statuses))
                by_half = selectors.call_figures_by_half_hour(year=2026, month=10)
                self.assertEqual(sum(h.figures.offered for h in by_half), len(statuses))
                settled = len(statuses) - statuses.count("ringing")
                self.assertEqual(f.answer_rate, statuses.count("ended") / settled if settled else None)

"""Month-end truth: the stock by state at a moment comes from the card history, not from today's state."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from madoguchi.accounts.testing import BaseTestCase
from madoguchi.cards.models import Card
from madoguchi.cards.selectors import card_state_counts_as_of, cards_past_holding_as_of
from madoguchi.cards.services import card_transition, card_transition_undo

from .factories import make_card, make_location

TOKYO = ZoneInfo("Asia/Tokyo")
OCT_END = datetime.datetime(2026, 11, 1, tzinfo=TOKYO)


def at(month: int, day: int, hour: int = 10) -> datetime.datetime:
    return datetime.datetime(2026, month, day, hour, tzinfo=TOKYO)


class CardStateAsOfTest(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.place = make_location()

    def test_october_31_keeps_its_counts_whatever_happens_in_november(self) -> None:
        a = make_card(self.main_office)
        b = make_card(self.main_office)
        card_transition(card=a, to_state="set_up", by=self.back_office, at=at(10, 3))
        card_transition(card=b, to_state="set_up", by=self.back_office, at=at(10, 4))
        card_transition(
            card=b, to_state="filed", by=self.back_office, storage_location=self.place, at=at(10, 5)
        )
        before = card_state_counts_as_of(at=OCT_END)
        card_transition(
            card=a, to_state="filed", by=self.back_office, storage_location=self.place, at=at(11, 2)
        )
        card_transition(card=b, to_state="notice_mailed", by=self.back_office, at=at(11, 3))
        self.assertEqual(card_state_counts_as_of(at=OCT_END), before)
        self.assertEqual(before, {"set_up": 1, "filed": 1})
        self.assertEqual(card_state_counts_as_of(at=at(11, 30)), {"filed": 1, "notice_mailed": 1})

    def test_a_card_with_no_event_before_the_moment_did_not_exist_yet(self) -> None:
        card = make_card(self.main_office)
        card_transition(card=card, to_state="set_up", by=self.back_office, at=at(11, 3))
        self.assertEqual(card_state_counts_as_of(at=OCT_END), {})

    def test_an_undone_step_is_not_counted(self) -> None:
        card = make_card(self.main_office)
        card_transition(card=card, to_state="set_up", by=self.back_office, at=at(10, 3))
        event = card_transition(card=card, to_state="filed", by=self.back_office, storage_location=self.place)
        card_transition_undo(event=event, by=self.back_office)
        self.assertEqual(card_state_counts_as_of(at=at(12, 31)), {"set_up": 1})

    def test_counts_per_office_and_past_holding_at_the_moment(self) -> None:
        main = make_card(self.main_office, holding_deadline=datetime.date(2026, 10, 20))
        branch = make_card(self.branch_office)
        card_transition(card=main, to_state="set_up", by=self.back_office, at=at(10, 1))
        card_transition(
            card=main, to_state="filed", by=self.back_office, storage_location=self.place, at=at(10, 1, 11)
        )
        card_transition(card=main, to_state="notice_mailed", by=self.back_office, at=at(10, 2))
        card_transition(card=branch, to_state="set_up", by=self.back_office, at=at(10, 2))
        self.assertEqual(card_state_counts_as_of(at=OCT_END, office=self.branch_office), {"set_up": 1})
        self.assertEqual(cards_past_holding_as_of(at=OCT_END, day=datetime.date(2026, 10, 31)), 1)
        card_transition(card=main, to_state="prepared", by=self.back_office, at=at(11, 5))
        card_transition(card=main, to_state="issued", by=self.back_office, at=at(11, 5, 11))
        # Issued in November: on October 31 it was still waiting past its deadline.
        self.assertEqual(cards_past_holding_as_of(at=OCT_END, day=datetime.date(2026, 10, 31)), 1)
        self.assertEqual(Card.objects.get(pk=main.pk).state, "issued")

from __future__ import annotations

import datetime

from django.test import override_settings

from madoguchi.accounts.models import AuditEvent
from madoguchi.accounts.testing import BaseTestCase

from ..models import Card
from ..services import CardTransitionError, card_transition, card_transition_undo
from .factories import events_of, make_card, make_location

S = Card.State


class CardTransitionTests(BaseTestCase):
    def test_it_walks_a_main_office_card_from_arrival_to_post_processing(self) -> None:
        card = make_card(self.main_office, storage_location=make_location())
        for step in (S.SET_UP, S.FILED, S.NOTICE_MAILED, S.PREPARED, S.ISSUED, S.POST_PROCESSED):
            card_transition(card=card, to_state=step, by=self.back_office)
        card.refresh_from_db()
        self.assertEqual(card.state, S.POST_PROCESSED)
        self.assertIsNotNone(card.issued_on)
        self.assertEqual(len(events_of(card)), 6)
        self.assertEqual(events_of(card)[0], (S.RECEIVED, S.SET_UP))
        self.assertEqual(
            AuditEvent.objects.filter(action=AuditEvent.Action.TRANSITION, object_id=str(card.pk)).count(), 6
        )

    def test_it_refuses_an_illegal_transition_with_the_reason_and_changes_nothing(self) -> None:
        card = make_card(self.main_office)
        with self.assertRaises(CardTransitionError) as ctx:
            card_transition(card=card, to_state=S.ISSUED, by=self.back_office)
        self.assertIn("「到着」のため「交付済」にできません", ctx.exception.messages[0])
        card.refresh_from_db()
        self.assertEqual(card.state, S.RECEIVED)
        self.assertEqual(events_of(card), [])

    def test_it_refuses_the_same_step_twice_as_a_double_scan(self) -> None:
        card = make_card(self.main_office)
        card_transition(card=card, to_state=S.SET_UP, by=self.back_office)
        with self.assertRaisesMessage(CardTransitionError, "二重スキャン"):
            card_transition(card=card, to_state=S.SET_UP, by=self.back_office)
        self.assertEqual(len(events_of(card)), 1)

    def test_it_refuses_filing_without_a_storage_location(self) -> None:
        card = make_card(self.main_office, state=S.SET_UP)
        with self.assertRaisesMessage(CardTransitionError, "収納場所"):
            card_transition(card=card, to_state=S.FILED, by=self.back_office)

    def test_it_refuses_an_individual_number_in_the_note(self) -> None:
        card = make_card(self.main_office)
        with self.assertRaisesMessage(CardTransitionError, "マイナンバー"):
            card_transition(
                card=card, to_state=S.ON_HOLD, by=self.back_office, note="番号 1234 5678 9018 を確認"
            )
        card.refresh_from_db()
        self.assertEqual(card.state, S.RECEIVED)

    def test_it_requires_a_reason_to_put_a_card_on_hold(self) -> None:
        card = make_card(self.main_office)
        with self.assertRaisesMessage(CardTransitionError, "理由"):
            card_transition(card=card, to_state=S.ON_HOLD, by=self.back_office)

    def test_a_branch_card_must_be_shipped_and_received_before_issuance(self) -> None:
        card = make_card(self.branch_office, state=S.PREPARED)
        with self.assertRaisesMessage(CardTransitionError, "支所へ送付し"):
            card_transition(card=card, to_state=S.ISSUED, by=self.back_office)
        card_transition(card=card, to_state=S.SHIPPED, by=self.back_office)
        card_transition(
            card=card, to_state=S.RECEIVED_AT_BRANCH, by=self.back_office, office=self.branch_office
        )
        with self.assertRaisesMessage(CardTransitionError, "では交付できません"):
            card_transition(card=card, to_state=S.ISSUED, by=self.back_office, office=self.main_office)
        card_transition(card=card, to_state=S.ISSUED, by=self.back_office, office=self.branch_office)
        self.assertEqual(card.state, S.ISSUED)

    def test_a_main_office_card_cannot_be_shipped(self) -> None:
        card = make_card(self.main_office, state=S.PREPARED)
        with self.assertRaisesMessage(CardTransitionError, "本庁"):
            card_transition(card=card, to_state=S.SHIPPED, by=self.back_office)

    @override_settings(MADOGUCHI_CARD_HOLDING_DAYS=60)
    def test_mailing_the_notice_sets_the_holding_deadline_from_the_city_setting(self) -> None:
        card = make_card(self.main_office, state=S.FILED, storage_location=make_location())
        at = datetime.datetime(2026, 5, 1, 10, 0, tzinfo=datetime.UTC)
        card_transition(card=card, to_state=S.NOTICE_MAILED, by=self.back_office, at=at)
        card.refresh_from_db()
        self.assertEqual(card.holding_deadline, datetime.date(2026, 6, 30))

    def test_undo_puts_the_card_back_and_records_both_events(self) -> None:
        card = make_card(self.main_office)
        event = card_transition(card=card, to_state=S.SET_UP, by=self.back_office)
        card_transition_undo(event=event, by=self.back_office)
        card.refresh_from_db()
        self.assertEqual(card.state, S.RECEIVED)
        self.assertEqual(events_of(card), [(S.RECEIVED, S.SET_UP), (S.SET_UP, S.RECEIVED)])
        with self.assertRaisesMessage(CardTransitionError, "すでに取り消され"):
            card_transition_undo(event=event, by=self.back_office)

    def test_undoing_filing_takes_the_card_out_of_its_storage_location(self) -> None:
        card = make_card(self.main_office, state=S.SET_UP)
        event = card_transition(
            card=card, to_state=S.FILED, by=self.back_office, storage_location=make_location("A", "01")
        )
        card_transition_undo(event=event, by=self.back_office)
        card.refresh_from_db()
        self.assertEqual((card.state, card.storage_location), (S.SET_UP, None))

    def test_undoing_a_refiling_puts_the_card_back_in_its_previous_place(self) -> None:
        old = make_location("A", "01")
        card = make_card(self.main_office, state=S.PREPARED, storage_location=old)
        event = card_transition(
            card=card, to_state=S.FILED, by=self.back_office, storage_location=make_location("B", "02")
        )
        card_transition_undo(event=event, by=self.back_office)
        card.refresh_from_db()
        self.assertEqual((card.state, card.storage_location), (S.PREPARED, old))

    def test_undo_is_refused_for_someone_elses_scan(self) -> None:
        card = make_card(self.main_office)
        event = card_transition(card=card, to_state=S.SET_UP, by=self.back_office)
        with self.assertRaisesMessage(CardTransitionError, "自分が行った"):
            card_transition_undo(event=event, by=self.site_manager)

    def test_bookable_means_set_up_and_not_issued_held_or_disposed(self) -> None:
        bookable = {s for s in S.values if make_card(self.main_office, state=s).can_be_booked}
        self.assertEqual(
            bookable,
            {
                S.SET_UP,
                S.FILED,
                S.NOTICE_MAILED,
                S.PREPARED,
                S.SHIPPED,
                S.RECEIVED_AT_BRANCH,
                S.NOTICE_RETURNED,
                S.REMINDER_SENT,
            },
        )


class TransitionGuardTests(BaseTestCase):
    """Cross-app rules live in card_transition (registered by the app that owns them), not in screens."""

    def book(self, card: Card):  # type: ignore[no-untyped-def]
        from madoguchi.reservations.services import reservation_book
        from madoguchi.reservations.tests.helpers import open_day, set_capacity, slot_on

        set_capacity(self.main_office, 2)
        return reservation_book(
            cards=[card],
            slot=slot_on(self.main_office, open_day(self.main_office)),
            by=self.operator,
            channel="phone",
        )

    def test_the_api_refuses_to_close_a_card_that_has_an_active_pickup_booking(self) -> None:
        import json

        card = make_card(self.main_office, state=S.REMINDER_SENT)
        booking = self.book(card)
        self.login(self.back_office)
        response = self.client.post(
            "/api/cards/transition",
            json.dumps({"notice_number": card.notice_number, "to_state": "unclaimed", "note": "期限切れ"}),
            content_type="application/json",
        )
        self.assertEqual(response.status_code, 409)
        self.assertIn(booking.display_code, response.json()["detail"])
        card.refresh_from_db()
        self.assertEqual(card.state, S.REMINDER_SENT)

    def test_the_service_refuses_closing_a_booked_card_whoever_calls_it_but_allows_other_steps(self) -> None:
        card = make_card(self.main_office, state=S.REMINDER_SENT)
        self.book(card)
        for to_state in (S.UNCLAIMED,):
            with self.assertRaisesMessage(CardTransitionError, "予約を取り消してから"):
                card_transition(card=card, to_state=to_state, by=self.back_office, note="期限切れ")
        card_transition(card=card, to_state=S.PREPARED, by=self.back_office)
        self.assertEqual(card.state, S.PREPARED)

    def test_a_registered_guard_runs_once_even_if_registered_twice(self) -> None:
        from .. import services

        calls: list[str] = []

        def guard(card: Card, to_state: str) -> str | None:
            calls.append(to_state)
            return "テスト用の拒否です。" if to_state == S.SET_UP else None

        before = services.transition_guards()
        services.register_transition_guard(guard)
        services.register_transition_guard(guard)
        try:
            card = make_card(self.main_office)
            with self.assertRaisesMessage(CardTransitionError, "テスト用の拒否です。"):
                card_transition(card=card, to_state=S.SET_UP, by=self.back_office)
            self.assertEqual(calls, [S.SET_UP])
        finally:
            services._TRANSITION_GUARDS[:] = before

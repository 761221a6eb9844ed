"""Every write to a card goes through here: state changes (with their event and audit row) and lookups.

Other apps (reservations, reports) use `card_find`, `card_find_by_kana`, `card_transition`.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from madoguchi.accounts.models import AuditEvent, User
from madoguchi.accounts.services import audit_record
from madoguchi.calendar.models import Office
from madoguchi.lib.crypto import lookup_hash
from madoguchi.lib.privacy import refuse_individual_number
from madoguchi.lib.text import normalize_kana, normalize_key

from .models import Card, CardEvent

S = Card.State


class CardTransitionError(ValidationError):
    """A refused state change; the message (Japanese) says why."""


# Allowed moves. On hold can be resolved back into the normal flow (or end in return/destruction).
TRANSITIONS: dict[str, frozenset[str]] = {
    S.RECEIVED: frozenset({S.SET_UP, S.ON_HOLD}),
    S.SET_UP: frozenset({S.FILED, S.ON_HOLD}),
    S.FILED: frozenset({S.NOTICE_MAILED, S.ON_HOLD}),
    S.NOTICE_MAILED: frozenset(
        {S.PREPARED, S.NOTICE_RETURNED, S.REMINDER_SENT, S.UNCLAIMED, S.ON_HOLD}
    ),
    S.NOTICE_RETURNED: frozenset({S.NOTICE_MAILED, S.PREPARED, S.UNCLAIMED, S.ON_HOLD}),
    S.REMINDER_SENT: frozenset({S.PREPARED, S.NOTICE_RETURNED, S.UNCLAIMED, S.ON_HOLD}),
    # Prepared but the resident did not come: back to the cabinet (filed keeps the notice history).
    S.PREPARED: frozenset({S.SHIPPED, S.ISSUED, S.NOTICE_MAILED, S.ON_HOLD}),
    S.SHIPPED: frozenset({S.RECEIVED_AT_BRANCH, S.ON_HOLD}),
    S.RECEIVED_AT_BRANCH: frozenset({S.ISSUED, S.ON_HOLD}),
    S.ISSUED: frozenset({S.POST_PROCESSED}),
    S.POST_PROCESSED: frozenset(),
    S.ON_HOLD: frozenset(
        {S.RECEIVED, S.SET_UP, S.FILED, S.NOTICE_MAILED, S.PREPARED, S.RETURNED, S.DESTROYED}
    ),
    S.UNCLAIMED: frozenset({S.RETURNED, S.DESTROYED, S.PREPARED}),
    S.RETURNED: frozenset(),
    S.DESTROYED: frozenset(),
}

# Steps whose reason must be written down.
NOTE_REQUIRED = frozenset({S.ON_HOLD, S.RETURNED, S.DESTROYED, S.NOTICE_RETURNED})

UNDO_WINDOW = datetime.timedelta(minutes=30)


def allowed_next(state: str) -> frozenset[str]:
    return TRANSITIONS.get(state, frozenset())


def _label(state: str) -> str:
    try:
        return S(state).label
    except ValueError:
        return state


def holding_days() -> int:
    return int(getattr(settings, "MADOGUCHI_CARD_HOLDING_DAYS", 90))


def _check(card: Card, to_state: str, *, office: Office | None, note: str) -> None:
    if to_state not in S.values:
        raise CardTransitionError(f"「{to_state}」という状態はありません。")
    if card.state == to_state:
        raise CardTransitionError(
            f"カード {card.notice_number} はすでに「{_label(to_state)}」です（二重スキャンの可能性）。"
        )
    if to_state not in allowed_next(card.state):
        allowed = "、".join(_label(s) for s in S.values if s in allowed_next(card.state)) or "なし"
        raise CardTransitionError(
            f"カード {card.notice_number} は「{_label(card.state)}」のため「{_label(to_state)}」にできません"
            f"（可能な操作: {allowed}）。"
        )
    if to_state in NOTE_REQUIRED and not note.strip():
        raise CardTransitionError(f"「{_label(to_state)}」にするには理由（備考）を入力してください。")
    if to_state == S.FILED and card.storage_location_id is None:
        raise CardTransitionError(
            f"カード {card.notice_number} の収納場所が決まっていません。収納場所を指定してください。"
        )
    if to_state == S.SHIPPED and not card.needs_shipping:
        raise CardTransitionError(
            f"カード {card.notice_number} の受取庁舎は本庁のため、支所への送付はできません。"
        )
    if to_state == S.ISSUED:
        if card.state == S.PREPARED and card.needs_shipping:
            raise CardTransitionError(
                f"カード {card.notice_number} の受取庁舎は{card.pickup_office.name}です。"
                "支所へ送付し、支所で受領してから交付してください。"
            )
        if office is not None and office.pk != card.pickup_office_id:
            raise CardTransitionError(
                f"カード {card.notice_number} の受取庁舎は{card.pickup_office.name}です"
                f"（{office.name}では交付できません）。"
            )


def card_transition(
    *,
    card: Card,
    to_state: str,
    by: User | None,
    office: Office | None = None,
    note: str = "",
    at: datetime.datetime | None = None,
    issued_on: datetime.date | None = None,
) -> CardEvent:
    """Move one card to `to_state` if the transition table allows it; write the event and audit row.

    Locks the row so two scanners cannot apply the same step twice. Raises CardTransitionError.
    """
    note = (note or "").strip()
    try:
        refuse_individual_number(note, field="note")
    except ValidationError as exc:
        raise CardTransitionError(exc.messages[0]) from None
    with transaction.atomic():
        locked = (
            Card.objects.select_for_update()
            .select_related("pickup_office", "storage_location")
            .get(pk=card.pk)
        )
        _check(locked, to_state, office=office, note=note)
        now = at or timezone.now()
        from_state = locked.state
        locked.state = to_state
        fields = ["state", "updated_at"]
        if to_state == S.NOTICE_MAILED and locked.holding_deadline is None:
            locked.holding_deadline = timezone.localdate(now) + datetime.timedelta(days=holding_days())
            fields.append("holding_deadline")
        if to_state == S.ISSUED:
            locked.issued_on = issued_on or timezone.localdate(now)
            fields.append("issued_on")
        locked.save(update_fields=fields)
        event = CardEvent.objects.create(
            card=locked,
            at=now,
            actor=by,
            from_state=from_state,
            to_state=to_state,
            office=office,
            note=note,
        )
        audit_record(
            actor=by,
            action=AuditEvent.Action.TRANSITION,
            obj=locked,
            detail={"from": from_state, "to": to_state, "event": event.pk},
        )
    # Keep the caller's instance in step with the database.
    for name in ("state", "holding_deadline", "issued_on", "updated_at"):
        setattr(card, name, getattr(locked, name))
    return event


def card_transition_undo(*, event: CardEvent, by: User | None) -> CardEvent:
    """Reverse a state change just made by the same person (scan-station undo): the card goes back."""
    with transaction.atomic():
        card = Card.objects.select_for_update().get(pk=event.card_id)
        event = CardEvent.objects.select_for_update().get(pk=event.pk)
        if event.undoes_id is not None:
            raise CardTransitionError("取消の取消はできません。")
        if CardEvent.objects.filter(undoes=event).exists():
            raise CardTransitionError(f"カード {card.notice_number} のこの操作はすでに取り消されています。")
        latest = card.events.order_by("-at", "-pk").first()
        if latest is None or latest.pk != event.pk or card.state != event.to_state:
            raise CardTransitionError(
                f"カード {card.notice_number} はその後も処理されているため取り消せません。"
            )
        if by is None or event.actor_id != by.pk:
            raise CardTransitionError("自分が行った操作のみ取り消せます。")
        if timezone.now() - event.at > UNDO_WINDOW:
            raise CardTransitionError("30分以上前の操作は取り消せません。通常の状態変更で戻してください。")
        card.state = event.from_state
        fields = ["state", "updated_at"]
        if event.to_state == S.ISSUED:
            card.issued_on = None
            fields.append("issued_on")
        card.save(update_fields=fields)
        undo = CardEvent.objects.create(
            card=card,
            at=timezone.now(),
            actor=by,
            from_state=event.to_state,
            to_state=event.from_state,
            office=event.office,
            note="直前の操作を取消",
            undoes=event,
        )
        audit_record(
            actor=by,
            action=AuditEvent.Action.TRANSITION,
            obj=card,
            detail={"from": event.to_state, "to": event.from_state, "undoes": event.pk},
        )
    return undo


def card_find(*, notice_number: str, birth_date: datetime.date) -> Card | None:
    """The card with this notice number and birth date (both must match), via the hash column."""
    key = normalize_key(notice_number or "")
    if not key or birth_date is None:
        return None
    return (
        Card.objects.select_related("pickup_office", "storage_location")
        .filter(notice_birth_hash=lookup_hash(key, birth_date))
        .first()
    )


def card_find_by_kana(*, kana: str, birth_date: datetime.date) -> list[Card]:
    """Cards whose applicant kana (spaces, katakana/hiragana ignored) and birth date match."""
    if not kana or birth_date is None:
        return []
    digest = lookup_hash(normalize_kana(kana), birth_date)
    return list(
        Card.objects.select_related("pickup_office", "storage_location").filter(kana_birth_hash=digest)
    )


def card_by_notice(notice_number: str) -> Card | None:
    """Staff lookup by notice number alone (scan station, back office)."""
    key = normalize_key(notice_number or "")
    if not key:
        return None
    return Card.objects.select_related("pickup_office", "storage_location").filter(notice_number=key).first()

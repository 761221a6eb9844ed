"""The resident register's change list (住民異動: moved out, died, name changed…) checked before issuance:
every open card it names is put on hold (保留) with the reason, all or nothing.

Columns (header row; any order): 交付通知書番号, or 氏名カナ + 生年月日; 異動事由 (required); 異動日 (optional).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction

from madoguchi.accounts.models import AuditEvent, User
from madoguchi.accounts.services import audit_record
from madoguchi.lib.exports import RowError
from madoguchi.lib.jdates import format_date
from madoguchi.lib.privacy import contains_individual_number

from . import intake
from .models import Card

COLUMNS = ("交付通知書番号", "氏名カナ", "生年月日", "異動事由", "異動日")
S = Card.State


@dataclass
class RegisterCheck:
    held: list[Card]
    already: list[Card]  # on hold already, or closed (issued, returned, destroyed): nothing to do
    errors: list[RowError]


def register_changes_apply(
    *, file_name: str, content: bytes, by: User, encoding: str | None = None
) -> RegisterCheck:
    """Read the change list and put every named open card on hold with 「住民異動（事由 日付）」; on any row
    problem (unknown card, ambiguous name, missing reason) nothing is changed and every problem is listed."""
    from .services import CardTransitionError, card_transition

    try:
        source = intake.open_source(content, file_name, known_columns=COLUMNS, encoding=encoding)
    except intake.FileRefused as exc:
        return RegisterCheck([], [], [RowError(0, "", str(exc))])
    if "異動事由" not in source.header:
        return RegisterCheck([], [], [RowError(source.header_row, "異動事由", "必須の列がありません。")])
    errors: list[RowError] = []
    targets: list[tuple[Card, str]] = []
    for number, cells in source.rows():
        values = {h: (cells[i].strip() if i < len(cells) else "") for i, h in enumerate(source.header)}
        found = _row_target(number, values)
        if isinstance(found, RowError):
            errors.append(found)
        else:
            targets.append(found)
    if errors:
        return RegisterCheck([], [], errors)
    held: list[Card] = []
    already: list[Card] = []
    try:
        with transaction.atomic():
            for card, note in targets:
                if (
                    card.state == S.ON_HOLD
                    or card.state in Card.CLOSED_STATES
                    or S.ON_HOLD not in _next(card.state)
                ):
                    already.append(card)
                    continue
                card_transition(card=card, to_state=S.ON_HOLD, by=by, note=note)
                held.append(card)
            audit_record(
                actor=by,
                action=AuditEvent.Action.IMPORT,
                object_type="cards.register_changes",
                detail={"rows": len(targets), "held": len(held), "unchanged": len(already)},
            )
    except (CardTransitionError, ValidationError) as exc:
        return RegisterCheck([], [], [RowError(0, "", exc.messages[0] + "（どのカードも変更していません）")])
    return RegisterCheck(held, already, [])


def _row_target(number: int, values: dict[str, str]) -> tuple[Card, str] | RowError:
    """The open card a change-list row names and the hold note, or the row's problem."""
    from .importing import _date_problem
    from .services import card_by_notice, card_find_by_kana

    bad = next(
        (
            c
            for c, v in values.items()
            if v and (contains_individual_number(v) or intake.hidden_characters(v))
        ),
        None,
    )
    if bad:
        return RowError(number, bad, "個人番号と思われる数字、または制御文字・見えない文字が含まれています。")
    reason = values.get("異動事由", "")
    if not reason:
        return RowError(number, "異動事由", "入力されていません。")
    when = ""
    if values.get("異動日"):
        moved, problem = _date_problem(values["異動日"])
        if problem:
            return RowError(number, "異動日", problem)
        when = f" {format_date(moved, weekday=False)}" if moved else ""
    if values.get("交付通知書番号"):
        card = card_by_notice(values["交付通知書番号"])
        if card is None:
            return RowError(number, "交付通知書番号", "この番号のカードはありません。")
    else:
        birth, problem = (
            _date_problem(values.get("生年月日", ""))
            if values.get("生年月日")
            else (None, "入力されていません。")
        )
        if problem or birth is None or not values.get("氏名カナ"):
            return RowError(number, "生年月日", "交付通知書番号か、氏名カナと生年月日が必要です。")
        found = card_find_by_kana(kana=values["氏名カナ"], birth_date=birth)
        open_found = [c for c in found if c.state not in Card.CLOSED_STATES]
        if len(open_found) != 1:
            return RowError(
                number,
                "氏名カナ",
                "氏名カナと生年月日に合うカードが"
                + (
                    "ありません。"
                    if not open_found
                    else f"{len(open_found)}枚あります（交付通知書番号で指定してください）。"
                ),
            )
        card = open_found[0]
    return card, f"住民異動（{reason[:40]}{when}）"


def _next(state: str) -> frozenset[str]:
    from .services import allowed_next

    return allowed_next(state)

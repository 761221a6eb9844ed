"""月次締め (month close): everything that would make a month's report wrong, each item fixable through the
owning app's service (with a reason and an audit row) or explained by a person; a month closes only when
every item is fixed or explained."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from madoguchi.accounts.models import AuditEvent, User
from madoguchi.accounts.services import audit_record
from madoguchi.calls import selectors as call_selectors
from madoguchi.calls.models import Call
from madoguchi.cards import selectors as card_selectors
from madoguchi.lib.privacy import refuse_individual_number

from .models import MonthClose, MonthlyReport, ReconcileNote
from .sections import wareki_datetime


class CloseError(ValueError):
    """A month that cannot be closed (or reopened) now; the message is for the user."""


@dataclass
class ReconcileItem:
    key: str  # stable: "call:12", "callback:3", "card:KRM000001", "change:cards.step.set_up"
    kind: str  # "unclassified_call", "unsettled_call", "open_callback", "card_state", "changed"
    kind_label: str
    ref: str  # what a person looks for: CTI id, CB-3, a notice number
    when: str  # local time, 和暦
    description: str
    fix: str  # "reclassify", "callback_outcome", "" (explain only)
    object_id: int | None = None
    note: ReconcileNote | None = None

    @property
    def explained(self) -> bool:
        return self.note is not None


def month_bounds_check(*, year: int, month: int, today: datetime.date | None = None) -> None:
    today = today or timezone.localdate()
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        raise CloseError("年月の指定が正しくありません（例: 2026-04）。")
    next_first = datetime.date(year + (month == 12), month % 12 + 1, 1)
    if next_first > today:
        raise CloseError(f"{year}年{month}月はまだ終わっていないため、締められません。")


def reconcile_items(*, year: int, month: int) -> list[ReconcileItem]:
    """Every item that would make the month's report wrong, oldest first within each kind."""
    items: list[ReconcileItem] = []
    for call in call_selectors.unclassified_answered_calls(year=year, month=month):
        no_record = call.source == Call.Source.CTI and call.logged_at is None
        items.append(
            ReconcileItem(
                key=f"call:{call.pk}",
                kind="unclassified_call",
                kind_label="区分が未入力の入電",
                ref=f"通話 {call.pk}" + (f"（CTI {call.cti_call_id}）" if call.cti_call_id else ""),
                when=wareki_datetime(call.started_at),
                description=(
                    "CTI の記録のみでオペレーターの記録がありません"
                    if no_record
                    else "区分が入力されていません"
                )
                + (f"（回線 {call.line}・通話 {call.duration_label}）" if call.line else ""),
                fix="reclassify",
                object_id=call.pk,
            )
        )
    for call in call_selectors.unsettled_calls(year=year, month=month):
        items.append(
            ReconcileItem(
                key=f"call:{call.pk}",
                kind="unsettled_call",
                kind_label="終了していない入電",
                ref=f"通話 {call.pk}" + (f"（CTI {call.cti_call_id}）" if call.cti_call_id else ""),
                when=wareki_datetime(call.started_at),
                description=f"状態が「{call.get_status_display()}」のままです（終話の記録が届いていません）",
                fix="",
                object_id=call.pk,
            )
        )
    for cb in call_selectors.callbacks_without_outcome(year=year, month=month):
        items.append(
            ReconcileItem(
                key=f"callback:{cb.pk}",
                kind="open_callback",
                kind_label="結果が未記録の折り返し",
                ref=f"CB-{cb.pk}",
                when=wareki_datetime(cb.created_at),
                description=f"{cb.get_source_display()}・期限 {wareki_datetime(cb.due_at)}",
                fix="callback_outcome",
                object_id=cb.pk,
            )
        )
    for notice in card_selectors.cards_issued_without_date().values_list("notice_number", flat=True):
        items.append(
            ReconcileItem(
                key=f"card:{notice}",
                kind="card_state",
                kind_label="ありえない状態のカード",
                ref=notice,
                when="",
                description="交付済なのに交付日が記録されていません",
                fix="",
            )
        )
    for notice in card_selectors.cards_dated_but_not_issued().values_list("notice_number", flat=True):
        items.append(
            ReconcileItem(
                key=f"card:{notice}",
                kind="card_state",
                kind_label="ありえない状態のカード",
                ref=notice,
                when="",
                description="交付日が記録されているのに交付済になっていません",
                fix="",
            )
        )
    report = MonthlyReport.objects.filter(year=year, month=month).first()
    if report is not None:
        from .services import monthly_report_build, snapshot_changes

        data = monthly_report_build(year=year, month=month, appendix=False)
        last = report.versions.order_by("-number").first()
        snapshot = last.snapshot if last is not None else report.snapshot
        for change in snapshot_changes(snapshot, data):
            items.append(
                ReconcileItem(
                    key=f"change:{change.key}",
                    kind="changed",
                    kind_label="提出後に変わった数値",
                    ref=change.label,
                    when="",
                    description=f"提出時 {change.submitted if change.submitted is not None else '—'} → "
                    f"現在 {change.now if change.now is not None else '—'}（訂正版で提出し直してください）",
                    fix="",
                )
            )
    notes = {n.item_key: n for n in ReconcileNote.objects.filter(year=year, month=month).select_related("by")}
    for item in items:
        item.note = notes.get(item.key)
    return items


def unexplained(items: list[ReconcileItem]) -> list[ReconcileItem]:
    return [i for i in items if not i.explained]


def reconcile_explain(*, by: User, year: int, month: int, item_key: str, explanation: str) -> ReconcileNote:
    """Say why an item is right as it is; it then no longer blocks the close."""
    explanation = (explanation or "").strip()
    if not explanation:
        raise ValidationError({"explanation": ["説明を入力してください。"]})
    refuse_individual_number(explanation, field="explanation")
    keys = {i.key for i in reconcile_items(year=year, month=month)}
    if item_key not in keys:
        raise ValidationError(
            {"item_key": [f"項目「{item_key}」は{year}年{month}月の確認項目にありません。"]}
        )
    with transaction.atomic():
        if MonthClose.objects.filter(year=year, month=month, closed_at__isnull=False).exists():
            raise CloseError(f"{year}年{month}月は締め済みです。")
        note, created = ReconcileNote.objects.update_or_create(
            year=year,
            month=month,
            item_key=item_key,
            defaults={"explanation": explanation, "by": by, "at": timezone.now()},
        )
        audit_record(
            actor=by,
            action=AuditEvent.Action.CREATE if created else AuditEvent.Action.UPDATE,
            obj=note,
            detail={"month": f"{year}-{month:02d}", "item": item_key},
        )
    return note


def month_close_get(*, year: int, month: int) -> MonthClose:
    """The month's close record, or an unsaved empty one: reading a month never writes (city staff only read)."""
    return MonthClose.objects.filter(year=year, month=month).first() or MonthClose(year=year, month=month)


def month_commentary_save(
    *, by: User, year: int, month: int, special_notes: str, problems: str, improvements: str
) -> MonthClose:
    """The director's commentary printed on the report (特記事項・課題・改善)."""
    for name, value in (
        ("special_notes", special_notes),
        ("problems", problems),
        ("improvements", improvements),
    ):
        refuse_individual_number(value, field=name)
    with transaction.atomic():
        close, _ = MonthClose.objects.select_for_update().get_or_create(year=year, month=month)
        close.special_notes, close.problems, close.improvements = (
            special_notes.strip(),
            problems.strip(),
            improvements.strip(),
        )
        close.save(update_fields=["special_notes", "problems", "improvements", "updated_at"])
        audit_record(
            actor=by,
            action=AuditEvent.Action.UPDATE,
            obj=close,
            detail={"fields": ["special_notes", "problems", "improvements"]},
        )
    return close


def month_close(*, by: User, year: int, month: int, today: datetime.date | None = None) -> MonthClose:
    """Close the month: refused while an item is neither fixed nor explained."""
    month_bounds_check(year=year, month=month, today=today)
    open_items = unexplained(reconcile_items(year=year, month=month))
    if open_items:
        kinds: dict[str, int] = {}
        for item in open_items:
            kinds[item.kind_label] = kinds.get(item.kind_label, 0) + 1
        listed = "、".join(f"{label} {n} 件" for label, n in kinds.items())
        raise CloseError(
            f"未処理の確認項目が {len(open_items)} 件あります（{listed}）。訂正するか説明を記入してください。"
        )
    with transaction.atomic():
        close, _ = MonthClose.objects.select_for_update().get_or_create(year=year, month=month)
        if close.is_closed:
            raise CloseError(f"{year}年{month}月はすでに締め済みです。")
        close.closed_at, close.closed_by = timezone.now(), by
        close.save(update_fields=["closed_at", "closed_by", "updated_at"])
        audit_record(actor=by, action=AuditEvent.Action.TRANSITION, obj=close, detail={"status": "closed"})
    return close


def month_reopen(*, by: User, year: int, month: int, reason: str) -> MonthClose:
    """Open a closed month again (to fix what was found after closing); the reason is kept in the audit trail."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": ["締めを解除する理由を入力してください。"]})
    refuse_individual_number(reason, field="reason")
    with transaction.atomic():
        close = MonthClose.objects.select_for_update().filter(year=year, month=month).first()
        if close is None or not close.is_closed:
            raise CloseError(f"{year}年{month}月は締められていません。")
        close.closed_at, close.closed_by = None, None
        close.save(update_fields=["closed_at", "closed_by", "updated_at"])
        audit_record(
            actor=by,
            action=AuditEvent.Action.TRANSITION,
            obj=close,
            detail={"status": "reopened", "reason": reason[:200]},
        )
    return close


def month_correction_reason_set(*, by: User, year: int, month: int, reason: str) -> MonthClose:
    """The reason printed on the next 訂正版 (kept on the month, so the job's parameters stay ids only)."""
    reason = (reason or "").strip()
    refuse_individual_number(reason, field="reason")
    with transaction.atomic():
        close, _ = MonthClose.objects.select_for_update().get_or_create(year=year, month=month)
        if close.correction_reason != reason:
            close.correction_reason = reason
            close.save(update_fields=["correction_reason", "updated_at"])
            audit_record(
                actor=by, action=AuditEvent.Action.UPDATE, obj=close, detail={"fields": ["correction_reason"]}
            )
    return close

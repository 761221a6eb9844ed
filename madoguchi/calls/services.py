"""Writes of the call center desk. Each is one transaction with its audit row; messages are Japanese."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone

from madoguchi.accounts.models import AuditEvent, User
from madoguchi.accounts.services import audit_record, personal_data_erase
from madoguchi.calendar.services import call_center_hours, hours_for, hours_range, main_office
from madoguchi.lib.crypto import lookup_hash
from madoguchi.lib.privacy import refuse_individual_number
from madoguchi.lib.text import normalize_key

from .models import (
    LINE_COUNT,
    Call,
    Callback,
    CallbackAttempt,
    CallCategory,
    CallCorrection,
    CtiEvent,
    HangupCause,
    OperatorSeat,
    PhoneMemo,
    ReportColumn,
)

# The spec's items (4(1) ①–⑤) as sub-categories, each counted in one column of the monthly table.
DEFAULT_CATEGORIES: list[tuple[str, str, str]] = [
    ("制度全般", ReportColumn.OTHER, "1"),
    ("通知カード・個人番号通知書", ReportColumn.CARD_INQUIRY, "2"),
    ("カード", ReportColumn.CARD_INQUIRY, "3"),
    ("受取予約（新規）", ReportColumn.RESERVATION, "4"),
    ("受取予約（変更）", ReportColumn.RESERVATION, "5"),
    ("受取予約（取消）", ReportColumn.RESERVATION, "6"),
    ("電子証明書", ReportColumn.CARD_INQUIRY, "7"),
    ("必要書類・持ち物", ReportColumn.CARD_INQUIRY, "8"),
    ("マイナポータル", ReportColumn.OTHER, "9"),
    ("その他", ReportColumn.OTHER, "0"),
]

# A rolled-over caller should hear from us within half an hour of opening time.
CALLBACK_DUE_MINUTES = 30
# A hand-entered call may have started at most this long ago (a form left open overnight is a mistake).
MAX_MANUAL_CALL_HOURS = 12


def phone_key(phone: str) -> str:
    return lookup_hash(normalize_key(phone)) if phone.strip() else ""


def _aware(value: datetime.datetime) -> datetime.datetime:
    return timezone.make_aware(value) if timezone.is_naive(value) else value


def callback_due_after(at: datetime.datetime) -> datetime.datetime:
    """CALLBACK_DUE_MINUTES after `at`, within the call center's opening hours (else the next opening)."""
    due = at + datetime.timedelta(minutes=CALLBACK_DUE_MINUTES)
    office = main_office()
    local = timezone.localtime(at)
    today = hours_for(office, local.date())
    if today.is_open and today.opens and today.closes:
        opens = timezone.make_aware(datetime.datetime.combine(local.date(), today.opens))
        closes = timezone.make_aware(datetime.datetime.combine(local.date(), today.closes))
        if due <= closes:
            return max(due, opens + datetime.timedelta(minutes=CALLBACK_DUE_MINUTES))
    start = local.date() + datetime.timedelta(days=1)
    for day in hours_range(office, start, start + datetime.timedelta(days=21)):
        if day.is_open and day.opens:
            opens = timezone.make_aware(datetime.datetime.combine(day.date, day.opens))
            return opens + datetime.timedelta(minutes=CALLBACK_DUE_MINUTES)
    return due


# --- categories -------------------------------------------------------------------------------


def categories_seed() -> int:
    """Create the default sub-categories that do not exist yet (by name). Returns how many were made."""
    made = 0
    for order, (name, column, key) in enumerate(DEFAULT_CATEGORIES):
        _, created = CallCategory.objects.get_or_create(
            name=name, defaults={"column": column, "key": key, "sort_order": (order + 1) * 10}
        )
        made += created
    return made


def category_save(
    *,
    by: User,
    name: str,
    column: str,
    key: str = "",
    sort_order: int = 0,
    is_active: bool = True,
    category: CallCategory | None = None,
) -> CallCategory:
    """Create or change a sub-category. Calls already logged keep the column they were counted in."""
    obj = category or CallCategory()
    before = {"column": obj.column, "is_active": obj.is_active} if category else {}
    obj.name, obj.column, obj.key, obj.sort_order, obj.is_active = name, column, key, sort_order, is_active
    obj.full_clean()
    with transaction.atomic():
        obj.save()
        audit_record(
            actor=by,
            action=AuditEvent.Action.UPDATE if category else AuditEvent.Action.CREATE,
            obj=obj,
            detail={"column": column, "is_active": is_active, "before": before},
        )
    return obj


# --- calls ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CallbackRequest:
    phone: str
    reason: str
    name: str = ""
    due_at: datetime.datetime | None = None
    owner: User | None = None


def _add_errors(errors: dict[str, list[str]], more: dict[str, list[str]]) -> None:
    for key, msgs in more.items():
        errors.setdefault(key, []).extend(msgs)


def _call_log_errors(
    *, line: int, outcome: str, direction: str, subcategory: CallCategory, callback: CallbackRequest | None
) -> dict[str, list[str]]:
    """What is wrong with the operator's choices, by form field (empty when nothing is)."""
    errors: dict[str, list[str]] = {}
    if not 1 <= int(line) <= LINE_COUNT:
        errors.setdefault("line", []).append(f"回線は1〜{LINE_COUNT}から選んでください（入力値: {line}）。")
    if outcome not in Call.Outcome.values:
        errors.setdefault("outcome", []).append("結果を選んでください。")
    if direction not in Call.Direction.values:
        errors.setdefault("direction", []).append("方向を選んでください。")
    if not subcategory.is_active:
        errors.setdefault("subcategory", []).append(f"分類「{subcategory.name}」は現在使われていません。")
    if outcome == Call.Outcome.CALLBACK and callback is None:
        errors.setdefault("callback_phone", []).append("折り返しが必要な場合は電話番号を入力してください。")
    return errors


def _manual_call_errors(
    *, by: User, started_at: datetime.datetime, ended_at: datetime.datetime, now: datetime.datetime
) -> dict[str, list[str]]:
    """What is wrong with the times of a hand-entered call, or a second submit of the same call."""
    errors: dict[str, list[str]] = {}
    if started_at > now + datetime.timedelta(minutes=1):
        errors.setdefault("started_at", []).append("通話開始時刻が未来になっています。")
    elif now - started_at > datetime.timedelta(hours=MAX_MANUAL_CALL_HOURS):
        errors.setdefault("started_at", []).append(
            f"通話開始から{MAX_MANUAL_CALL_HOURS}時間以上たっています。画面を開き直してください。"
        )
    if ended_at < started_at:
        errors.setdefault("ended_at", []).append("終了時刻が開始時刻より前になっています。")
    # The screen's start time identifies the call: the same again is a second submit, not a second call.
    if Call.objects.filter(source=Call.Source.MANUAL, operator=by, started_at=started_at).exists():
        errors.setdefault("__all__", []).append("この通話はすでに記録されています（二重送信）。")
    return errors


def call_log(
    *,
    by: User,
    line: int,
    subcategory: CallCategory,
    outcome: str,
    started_at: datetime.datetime,
    ended_at: datetime.datetime | None = None,
    direction: str = Call.Direction.INBOUND,
    note: str = "",
    reservation_ref: str = "",
    call: Call | None = None,
    callback: CallbackRequest | None = None,
) -> Call:
    """Log a call from the operator screen: a new hand-entered call, or a CTI call already on record.

    For a CTI call the times stay those of the PBX (a later hangup event sets the real end); for a
    hand-entered call the end is now. Outcome "callback" needs a callback request, made in the same
    transaction.
    """
    now = timezone.now()
    ended_at = ended_at or now
    errors = _call_log_errors(
        line=line, outcome=outcome, direction=direction, subcategory=subcategory, callback=callback
    )
    if call is None:
        _add_errors(errors, _manual_call_errors(by=by, started_at=started_at, ended_at=ended_at, now=now))
    elif call.is_logged:
        errors.setdefault("__all__", []).append("この通話はすでに記録されています。")
    for field, value in (("note", note), ("reservation_ref", reservation_ref)):
        try:
            refuse_individual_number(value, field=field)
        except ValidationError as exc:
            _add_errors(errors, exc.message_dict)
    if reservation_ref.strip() and "reservation_ref" not in errors:
        from madoguchi.reservations.selectors import reservation_summary

        # One or more codes (a family booked at two offices), separated by spaces or 、.
        for code in reservation_ref.replace("、", " ").replace(",", " ").split():
            if reservation_summary(code) is None:
                # A code typed back by hand (ZZZ-999) must not count as 予約受付 when no such booking exists.
                errors["reservation_ref"] = [
                    f"予約番号「{code[:20]}」の予約は見つかりません。予約画面で予約を確定し、"
                    "表示された予約番号を入力してください（予約していなければ空欄にします）。"
                ]
                break
    if errors:
        raise ValidationError(errors)

    with transaction.atomic():
        if call is None:
            call = Call(
                source=Call.Source.MANUAL, started_at=started_at, ended_at=ended_at, status=Call.Status.ENDED
            )
        else:
            call = Call.objects.select_for_update().get(pk=call.pk)
            if call.is_logged:
                raise ValidationError({"__all__": ["この通話はすでに記録されています。"]})
            if call.ended_at is None:
                # Provisional end; the PBX's hangup event, when it comes, replaces it with the real one.
                call.ended_at = max(now, call.started_at)
                if call.status in (Call.Status.RINGING, Call.Status.ACTIVE):
                    call.status = Call.Status.ENDED
            if call.answered_at is None:
                call.answered_at = call.started_at
        call.line = int(line)
        call.direction = direction
        call.subcategory = subcategory
        call.category = subcategory.column
        call.note = note
        call.outcome = outcome
        call.reservation_ref = reservation_ref
        call.operator = by
        call.logged_at = now
        call.compute_duration()
        call.full_clean()
        call.save()
        audit_record(
            actor=by,
            action=AuditEvent.Action.CREATE,
            obj=call,
            detail={"line": call.line, "category": call.category, "outcome": outcome, "source": call.source},
        )
        if callback is not None and outcome == Call.Outcome.CALLBACK:
            callback_create(
                by=by,
                phone=callback.phone,
                name=callback.name,
                reason=callback.reason,
                due_at=callback.due_at or callback_due_after(now),
                owner=callback.owner,
                source=Callback.Source.UNRESOLVED,
                call=call,
            )
    return call


# --- CTI --------------------------------------------------------------------------------------


@dataclass
class CtiResult:
    call: Call
    applied: bool  # False when the event was a repeat (same callId and kind) and changed nothing
    callback: Callback | None = None


def parse_event_time(value: Any) -> datetime.datetime:
    """ISO 8601 (naive means Japan time) or Unix seconds, as Asterisk's ${EPOCH} gives."""
    if isinstance(value, datetime.datetime):
        return _aware(value)
    if isinstance(value, int | float) or (
        isinstance(value, str) and value.strip().replace(".", "", 1).isdigit()
    ):
        try:
            return datetime.datetime.fromtimestamp(float(value), tz=datetime.UTC)
        except (OverflowError, OSError, ValueError):  # a number no clock reaches (or inf / nan)
            raise ValidationError({"time": ["time が日時の範囲外です（Unix 秒）。"]}) from None
    if isinstance(value, str) and value.strip():
        try:
            return _aware(datetime.datetime.fromisoformat(value.strip().replace("Z", "+00:00")))
        except ValueError:
            pass
    raise ValidationError({"time": ["time を日時として読めません（ISO 8601 または Unix 秒）。"]})


def _cti_event_errors(
    *,
    kind: str,
    call_id: str,
    line: int | None,
    direction: str,
    from_number: str,
    to_number: str,
    extension: str = "",
    cause: str = "",
) -> dict[str, list[str]]:
    """What is wrong with a PBX event, by its JSON field (empty when nothing is)."""
    errors: dict[str, list[str]] = {}
    if extension and not EXTENSION_RE.fullmatch(extension):
        errors["extension"] = [
            f"extension「{extension[:20]}」は内線番号として読めません（半角英数字1〜20文字）。"
        ]
    if cause and cause not in HangupCause.values:
        errors["cause"] = [f"cause「{cause[:20]}」は不明です（{' / '.join(HangupCause.values)}）。"]
    if kind not in CtiEvent.Kind.values:
        errors["event"] = [f"event「{kind}」は不明です（newCall / answer / hangup / overflow）。"]
    if not call_id or len(call_id) > 100:
        errors["callId"] = ["callId は1〜100文字で指定してください。"]
    if line is not None and not 1 <= line <= LINE_COUNT:
        errors["line"] = [f"回線「{line}」は存在しません（1〜{LINE_COUNT}）。"]
    if direction and direction not in Call.Direction.values:
        errors["direction"] = [f"direction「{direction}」は不明です（inbound / outbound）。"]
    for field, value in (("from", from_number), ("to", to_number)):
        if len(value) > 30:
            errors[field] = [f"{field} が長すぎます（30文字まで）。"]
    return errors


def _cti_status(call: Call, kinds: set[str]) -> str:
    """A CTI call's state from the kinds of event received so far (in any order)."""
    if "overflow" in kinds:
        return Call.Status.OVERFLOWED
    if "hangup" in kinds or call.is_logged:
        return Call.Status.ENDED if call.answered_at else Call.Status.MISSED
    if "answer" in kinds:
        return Call.Status.ACTIVE
    return Call.Status.RINGING


def cti_event_apply(
    *,
    kind: str,
    call_id: str,
    at: datetime.datetime,
    line: int | None = None,
    direction: str = "",
    from_number: str = "",
    to_number: str = "",
    extension: str = "",
    cause: str = "",
) -> CtiResult:
    """Apply one PBX event. Idempotent by (callId, kind); any order: the call is rebuilt from its events.
    `extension` (on answer) is the phone that answered: the call is the operator's signed in there.
    `cause` (on hangup) says how it ended; without it: answered, or the caller hung up while it rang."""
    call_id = (call_id or "").strip()
    extension = (extension or "").strip()
    errors = _cti_event_errors(
        kind=kind,
        call_id=call_id,
        line=line,
        direction=direction,
        from_number=from_number,
        to_number=to_number,
        extension=extension,
        cause=cause,
    )
    if errors:
        raise ValidationError(errors)

    with transaction.atomic():
        try:
            with transaction.atomic():
                CtiEvent.objects.create(
                    call_id=call_id,
                    kind=kind,
                    at=at,
                    line=line,
                    direction=direction,
                    extension=extension,
                    cause=cause,
                )
        except IntegrityError:
            # A repeat (PBX retry): already applied once; nothing changes.
            call = Call.objects.filter(cti_call_id=call_id).first()
            if call is None:  # pragma: no cover - event and call are written in one transaction
                raise
            return CtiResult(call=call, applied=False)
        call, created = Call.objects.select_for_update().get_or_create(
            cti_call_id=call_id,
            defaults={"source": Call.Source.CTI, "started_at": at, "status": Call.Status.RINGING},
        )
        events = {e.kind: e for e in CtiEvent.objects.filter(call_id=call_id)}
        first = min(e.at for e in events.values())
        call.started_at = events["newCall"].at if "newCall" in events else first
        call.answered_at = events["answer"].at if "answer" in events else None
        call.ended_at = (
            events["hangup"].at if "hangup" in events else (call.ended_at if call.is_logged else None)
        )
        for name, moment in (("answered_at", call.answered_at), ("ended_at", call.ended_at)):
            if moment is not None and moment < call.started_at:
                raise ValidationError(
                    {
                        "time": [
                            f"{'応答' if name == 'answered_at' else '終話'}時刻が着信時刻より前です（callId {call_id}）。"
                        ]
                    }
                )
        lines = [e.line for e in events.values() if e.line]
        call.line = (
            events["answer"].line
            if "answer" in events and events["answer"].line
            else (lines[0] if lines else call.line)
        )
        directions = [e.direction for e in events.values() if e.direction]
        call.direction = directions[0] if directions else call.direction
        resident = from_number if call.direction == Call.Direction.INBOUND else to_number
        ours = to_number if call.direction == Call.Direction.INBOUND else from_number
        if resident and not call.phone:
            call.phone, call.phone_hash = resident, phone_key(resident)
        if ours and not call.our_number:
            call.our_number = ours
        call.status = _cti_status(call, set(events))
        answered_on = events["answer"].extension if "answer" in events else ""
        if answered_on and not call.extension:
            call.extension = answered_on
            seat = OperatorSeat.objects.filter(extension=answered_on).select_related("user").first()
            if seat is not None and call.operator_id is None and not call.is_logged:
                call.operator = seat.user
        if "hangup" in events:
            call.hangup_cause = events["hangup"].cause or (
                HangupCause.ANSWERED if call.answered_at else HangupCause.CALLER_HUNG_UP
            )
        call.compute_duration()
        call.full_clean(validate_unique=False)
        call.save()
        audit_record(
            actor=None,
            action=AuditEvent.Action.CREATE if created else AuditEvent.Action.UPDATE,
            obj=call,
            detail={"cti_event": kind, "status": call.status},
        )
        callback = None
        if call.status == Call.Status.OVERFLOWED:
            callback = call.callbacks.filter(source=Callback.Source.OVERFLOW).first()
            if callback is None:
                callback = callback_create(
                    by=None,
                    phone=call.phone,
                    reason="他回線（市の回線）へ転送された入電への折り返し",
                    due_at=callback_due_after(events["overflow"].at),
                    source=Callback.Source.OVERFLOW,
                    call=call,
                    created_at=events["overflow"].at,
                )
            elif call.phone and not callback.phone:
                # The number arrived after the overflow event (events out of order).
                callback.phone, callback.phone_hash = call.phone, call.phone_hash
                callback.save(update_fields=["phone", "phone_hash"])
    return CtiResult(call=call, applied=True, callback=callback)


# --- operator seats (extension sign-in) ------------------------------------------------------

EXTENSION_RE = re.compile(r"[0-9A-Za-z]{1,20}")


def seat_sign_in(*, user: User, extension: str) -> OperatorSeat:
    """Sign `user` in to an extension (leaving any other); refused for an unknown one or one in use."""
    extension = (extension or "").strip()
    known = list(settings.MADOGUCHI_CTI_EXTENSIONS)
    if not EXTENSION_RE.fullmatch(extension):
        raise ValidationError({"extension": ["内線番号を半角英数字で入力してください（例: 201）。"]})
    if known and extension not in known:
        raise ValidationError(
            {"extension": [f"内線「{extension}」は登録されていません。使える内線: {'、'.join(known)}。"]}
        )
    with transaction.atomic():
        holder = OperatorSeat.objects.select_for_update().filter(extension=extension).first()
        if holder is not None and holder.user_id != user.pk:
            raise ValidationError(
                {
                    "extension": [
                        f"内線{extension}は {holder.user} さんがサインイン中です。席を確認し、"
                        "本人にサインアウトしてもらってください。"
                    ]
                }
            )
        OperatorSeat.objects.filter(user=user).exclude(extension=extension).delete()
        seat, _ = OperatorSeat.objects.update_or_create(
            user=user, defaults={"extension": extension, "since": timezone.now()}
        )
        audit_record(actor=user, action=AuditEvent.Action.UPDATE, obj=seat, detail={"extension": extension})
    return seat


def seat_sign_out(*, user: User) -> None:
    with transaction.atomic():
        seat = OperatorSeat.objects.filter(user=user).first()
        if seat is None:
            return
        audit_record(
            actor=user, action=AuditEvent.Action.DELETE, obj=seat, detail={"extension": seat.extension}
        )
        seat.delete()


# --- callbacks --------------------------------------------------------------------------------


def callback_create(
    *,
    by: User | None,
    phone: str,
    reason: str,
    due_at: datetime.datetime,
    source: str = Callback.Source.UNRESOLVED,
    name: str = "",
    owner: User | None = None,
    call: Call | None = None,
    created_at: datetime.datetime | None = None,
) -> Callback:
    """A callback to make; `created_at` (for a roll-over: when it happened) dates it in the month's report."""
    phone = (phone or "").strip()
    if source != Callback.Source.OVERFLOW and not phone:
        raise ValidationError({"phone": ["折り返し先の電話番号を入力してください。"]})
    if phone and not any(c.isdigit() for c in phone):
        raise ValidationError({"phone": ["電話番号に数字がありません。"]})
    obj = Callback(
        call=call,
        source=source,
        phone=phone,
        phone_hash=phone_key(phone),
        name=(name or "").strip(),
        reason=reason,
        due_at=due_at,
        owner=owner,
        created_by=by,
    )
    if created_at is not None:
        obj.created_at = created_at
    refuse_individual_number(name, field="name")
    obj.full_clean()
    with transaction.atomic():
        obj.save()
        audit_record(
            actor=by,
            action=AuditEvent.Action.CREATE,
            obj=obj,
            detail={"source": source, "call": call.pk if call else None},
        )
    return obj


def callback_assign(*, by: User, callback: Callback, owner: User | None) -> Callback:
    with transaction.atomic():
        callback = Callback.objects.select_for_update().get(pk=callback.pk)
        if not callback.is_open:
            raise ValidationError("完了した折り返しの担当者は変更できません。")
        callback.owner = owner
        callback.save(update_fields=["owner"])
        audit_record(
            actor=by,
            action=AuditEvent.Action.UPDATE,
            obj=callback,
            detail={"owner": owner.pk if owner else None},
        )
    return callback


def callback_attempt_record(
    *,
    by: User,
    callback: Callback,
    outcome: str,
    note: str = "",
    next_due_at: datetime.datetime | None = None,
) -> CallbackAttempt:
    """One try at calling back. Reaching the resident closes the callback as resolved;
    otherwise it stays in the queue, due again at next_due_at (or in CALLBACK_DUE_MINUTES)."""
    if outcome not in CallbackAttempt.Outcome.values:
        raise ValidationError({"outcome": ["架電の結果を選んでください。"]})
    refuse_individual_number(note, field="note")
    now = timezone.now()
    if next_due_at is not None and next_due_at < now - datetime.timedelta(minutes=1):
        raise ValidationError({"next_due_at": ["次回の期限が過去になっています。"]})
    with transaction.atomic():
        callback = Callback.objects.select_for_update().get(pk=callback.pk)
        if not callback.is_open:
            raise ValidationError("この折り返しはすでに完了しています。")
        attempt = CallbackAttempt.objects.create(callback=callback, by=by, outcome=outcome, note=note, at=now)
        fields = []
        if outcome == CallbackAttempt.Outcome.REACHED:
            callback.status, callback.outcome = Callback.Status.CLOSED, Callback.Outcome.RESOLVED
            callback.closed_at, callback.closed_by = now, by
            fields = ["status", "outcome", "closed_at", "closed_by"]
        else:
            callback.due_at = next_due_at or now + datetime.timedelta(minutes=CALLBACK_DUE_MINUTES)
            fields = ["due_at"]
        if callback.owner_id is None:
            callback.owner = by
            fields.append("owner")
        callback.save(update_fields=fields)
        audit_record(
            actor=by,
            action=AuditEvent.Action.UPDATE,
            obj=callback,
            detail={"attempt": attempt.pk, "attempt_outcome": outcome, "status": callback.status},
        )
    return attempt


def callback_close(*, by: User, callback: Callback, outcome: str, note: str = "") -> Callback:
    """Take a callback out of the queue with an outcome (never without one)."""
    if outcome not in Callback.Outcome.values:
        raise ValidationError({"outcome": ["完了の理由（結果）を選んでください。"]})
    refuse_individual_number(note, field="note")
    with transaction.atomic():
        callback = Callback.objects.select_for_update().get(pk=callback.pk)
        if not callback.is_open:
            raise ValidationError("この折り返しはすでに完了しています。")
        if outcome == Callback.Outcome.UNREACHABLE and not callback.attempts.exists() and callback.phone:
            raise ValidationError(
                {"outcome": ["「連絡がつかず終了」は、少なくとも1回架電してから選んでください。"]}
            )
        if (
            outcome == Callback.Outcome.RESOLVED
            and not callback.attempts.filter(outcome=CallbackAttempt.Outcome.REACHED).exists()
        ):
            raise ValidationError({"outcome": ["「対応完了」には、連絡がついた架電の記録が必要です。"]})
        callback.status, callback.outcome = Callback.Status.CLOSED, outcome
        callback.closed_at, callback.closed_by, callback.closing_note = timezone.now(), by, note
        callback.save(update_fields=["status", "outcome", "closed_at", "closed_by", "closing_note"])
        audit_record(
            actor=by,
            action=AuditEvent.Action.TRANSITION,
            obj=callback,
            detail={"outcome": outcome},
        )
    return callback


# --- phone memos ------------------------------------------------------------------------------


def memo_create(
    *,
    by: User,
    kind: str,
    for_whom: str,
    message: str,
    caller_name: str = "",
    caller_phone: str = "",
    received_at: datetime.datetime | None = None,
) -> PhoneMemo:
    refuse_individual_number(caller_name, field="caller_name")
    refuse_individual_number(caller_phone, field="caller_phone")
    memo = PhoneMemo(
        kind=kind,
        for_whom=for_whom,
        message=message,
        caller_name=caller_name,
        caller_phone=caller_phone,
        received_at=received_at or timezone.now(),
        taken_by=by,
    )
    memo.full_clean()
    with transaction.atomic():
        memo.save()
        audit_record(actor=by, action=AuditEvent.Action.CREATE, obj=memo, detail={"kind": kind})
    return memo


def memo_hand_over(*, by: User, memo: PhoneMemo, handed_to: str) -> PhoneMemo:
    handed_to = (handed_to or "").strip() or memo.for_whom
    refuse_individual_number(handed_to, field="handed_to")
    with transaction.atomic():
        memo = PhoneMemo.objects.select_for_update().get(pk=memo.pk)
        if memo.status != PhoneMemo.Status.OPEN:
            raise ValidationError("このメモはすでに引継ぎ済みです。")
        memo.status = PhoneMemo.Status.HANDED_OVER
        memo.handed_to, memo.handed_over_at, memo.handed_over_by = handed_to, timezone.now(), by
        memo.save(update_fields=["status", "handed_to", "handed_over_at", "handed_over_by"])
        audit_record(actor=by, action=AuditEvent.Action.TRANSITION, obj=memo, detail={"status": memo.status})
    return memo


def memo_done(*, by: User, memo: PhoneMemo) -> PhoneMemo:
    with transaction.atomic():
        memo = PhoneMemo.objects.select_for_update().get(pk=memo.pk)
        if memo.status == PhoneMemo.Status.DONE:
            raise ValidationError("このメモはすでに対応完了です。")
        now = timezone.now()
        if memo.status == PhoneMemo.Status.OPEN:
            # Done straight away (e.g. the staff member took the call back at once): handed over now.
            memo.handed_to = memo.handed_to or memo.for_whom
            memo.handed_over_at, memo.handed_over_by = now, by
        memo.status, memo.done_at, memo.done_by = PhoneMemo.Status.DONE, now, by
        memo.save(
            update_fields=["status", "handed_to", "handed_over_at", "handed_over_by", "done_at", "done_by"]
        )
        audit_record(actor=by, action=AuditEvent.Action.TRANSITION, obj=memo, detail={"status": memo.status})
    return memo


# --- figures ----------------------------------------------------------------------------------


def monthly_counts(*, year: int, month: int) -> dict[str, int]:
    """The monthly report's call table for one month: reservation, card_inquiry, other, total
    (total = the sum of the three), plus unclassified and overflow (roll-overs) for the record."""
    return Call.objects.in_month(year, month).column_counts()


HALF_HOUR = datetime.timedelta(minutes=30)


def _half_hour_floor(t: datetime.time) -> datetime.time:
    return datetime.time(t.hour, 30 if t.minute >= 30 else 0)


def _minus(t: datetime.time, minutes: int) -> datetime.time:
    return (
        datetime.datetime.combine(datetime.date(2000, 1, 1), t) - datetime.timedelta(minutes=minutes)
    ).time()


def dashboard_figures(*, day: datetime.date | None = None) -> dict[str, Any]:
    """Today's calls by report column and by half-hour, open and overdue callbacks, roll-overs."""
    day = day or timezone.localdate()
    now = timezone.now()
    calls = Call.objects.on_date(day)
    counts = calls.column_counts()
    slots: dict[datetime.time, int] = {}
    for started in calls.incoming().values_list("started_at", flat=True):
        slot = _half_hour_floor(timezone.localtime(started).time())
        slots[slot] = slots.get(slot, 0) + 1
    # The rows span the call center's hours that day (an evening or special opening included), and any
    # half-hour in which calls came in outside them.
    hours = call_center_hours(day)
    span = list(slots)
    if hours.is_open and hours.opens and hours.closes:
        span += [_half_hour_floor(hours.opens), _half_hour_floor(_minus(hours.closes, 1))]
    if not span:
        span = [_half_hour_floor(timezone.localtime(now).time())]
    first, last = min(span), max(span)
    rows: list[dict[str, Any]] = []
    cursor = datetime.datetime.combine(day, first)
    while cursor.time() <= last:
        rows.append(
            {"start": cursor.time(), "end": (cursor + HALF_HOUR).time(), "count": slots.get(cursor.time(), 0)}
        )
        cursor += HALF_HOUR
    peak = max([r["count"] for r in rows] + [1])
    by_source = dict(
        Callback.objects.open().values_list("source").annotate(n=Count("id")).values_list("source", "n")
    )
    return {
        "day": day,
        "counts": counts,
        "columns": [
            {"key": key, "label": label, "count": counts[key]} for key, label in ReportColumn.choices
        ],
        "half_hours": rows,
        "peak": peak,
        "callbacks_open": Callback.objects.open().count(),
        "callbacks_overdue": Callback.objects.overdue(now).count(),
        "callbacks_open_overflow": by_source.get(Callback.Source.OVERFLOW, 0),
        "rollovers_today": counts["overflow"],
        "memos_pending": PhoneMemo.objects.pending().count(),
    }


# --- corrections at month close (月次締め) -------------------------------------------------------


def call_reclassify(*, by: User, call: Call, subcategory: CallCategory, reason: str) -> CallCorrection:
    """Give a call (an answered CTI call nobody logged, or a wrong column) its sub-category and report column
    after the fact, keeping the reason. The correction and an audit row are written in one transaction."""
    reason = (reason or "").strip()
    errors: dict[str, list[str]] = {}
    if not reason:
        errors["reason"] = ["訂正の理由を入力してください。"]
    if call.direction != Call.Direction.INBOUND or call.status not in (Call.Status.ENDED, Call.Status.ACTIVE):
        errors["__all__"] = [
            f"通話 {call.pk} は応答していない入電（{call.get_status_display()}）のため、区分を付けられません。"
            "不応答・転送の入電は区分の代わりに放棄呼・あふれ呼として数えます。"
        ]
    try:
        refuse_individual_number(reason, field="reason")
    except ValidationError as exc:
        for key, msgs in exc.message_dict.items():
            errors.setdefault(key, []).extend(msgs)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = Call.objects.select_for_update().get(pk=call.pk)
        if locked.subcategory_id == subcategory.pk and locked.category == subcategory.column:
            raise ValidationError({"subcategory": [f"通話 {call.pk} はすでに「{subcategory.name}」です。"]})
        correction = CallCorrection.objects.create(
            call=locked,
            by=by,
            from_category=locked.category,
            to_category=subcategory.column,
            from_subcategory=locked.subcategory,
            to_subcategory=subcategory,
            reason=reason,
        )
        locked.subcategory = subcategory
        locked.category = subcategory.column
        locked.save(update_fields=["subcategory", "category", "updated_at"])
        audit_record(
            actor=by,
            action=AuditEvent.Action.UPDATE,
            obj=locked,
            detail={
                "from": correction.from_category,
                "to": correction.to_category,
                "correction": correction.pk,
            },
        )
    call.subcategory, call.category = locked.subcategory, locked.category
    return correction


# --- retention (madoguchi/retention): personal data past its period --------------------------------------


def call_personal_data_purge(*, before: datetime.datetime, dry_run: bool, holds: Any = ()) -> int:
    """Callers' phone numbers of calls that started before `before` are erased (the call record stays for the
    monthly figures). Calls inside a legal hold window are kept. Returns how many (would be) erased."""
    return personal_data_erase(
        queryset=Call.objects.filter(started_at__lt=before).exclude(phone_hash=""),
        at_field="started_at",
        holds=holds,
        clear={"phone": "", "phone_hash": ""},
        dry_run=dry_run,
        what="phone",
    )


def callback_personal_data_purge(*, before: datetime.datetime, dry_run: bool, holds: Any = ()) -> int:
    """Closed callbacks registered before `before` lose the caller's name and phone number."""
    return personal_data_erase(
        queryset=Callback.objects.filter(status=Callback.Status.CLOSED, created_at__lt=before).exclude(
            phone_hash="", name=""
        ),
        at_field="created_at",
        holds=holds,
        clear={"phone": "", "phone_hash": "", "name": ""},
        dry_run=dry_run,
        what="name,phone",
    )


def phone_memo_personal_data_purge(*, before: datetime.datetime, dry_run: bool, holds: Any = ()) -> int:
    """Done phone memos received before `before` lose the caller's name and phone number."""
    return personal_data_erase(
        queryset=PhoneMemo.objects.filter(status=PhoneMemo.Status.DONE, received_at__lt=before).exclude(
            caller_name="", caller_phone=""
        ),
        at_field="received_at",
        holds=holds,
        clear={"caller_name": "", "caller_phone": ""},
        dry_run=dry_run,
        what="name,phone",
    )

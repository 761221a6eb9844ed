"""Every write to a card goes through here: state changes (with their event and audit row) and lookups.

Other apps (reservations, reports) use `card_find`, `card_find_by_kana`, `card_transition`.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, cast

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.utils import timezone

from madoguchi.accounts.models import AuditEvent, User
from madoguchi.accounts.services import audit_record
from madoguchi.calendar.models import Office
from madoguchi.lib.crypto import lookup_hash
from madoguchi.lib.privacy import contains_individual_number, refuse_individual_number
from madoguchi.lib.text import normalize_kana, normalize_key

from .models import (
    Card,
    CardCorrection,
    CardEvent,
    ImportBatch,
    ImportProfile,
    MynaAssistRecord,
    PostIssuance,
    Shipment,
    ShipmentItem,
    Stocktake,
    StorageLocation,
)

S = Card.State


class CardTransitionError(ValidationError):
    """A refused state change; the message (Japanese) says why."""


# Allowed moves. On hold can be resolved back into the normal flow (or end in return/destruction).
TRANSITIONS: dict[str, frozenset[str]] = {
    S.RECEIVED: frozenset({S.SET_UP, S.ON_HOLD}),
    # A card may be booked once it is set up (bookable), so it may also be pulled for its day before
    # the notice has gone out.
    S.SET_UP: frozenset({S.FILED, S.PREPARED, S.ON_HOLD}),
    S.FILED: frozenset({S.NOTICE_MAILED, S.PREPARED, S.ON_HOLD}),
    S.NOTICE_MAILED: frozenset({S.PREPARED, S.NOTICE_RETURNED, S.REMINDER_SENT, S.UNCLAIMED, S.ON_HOLD}),
    S.NOTICE_RETURNED: frozenset({S.NOTICE_MAILED, S.PREPARED, S.UNCLAIMED, S.ON_HOLD}),
    S.REMINDER_SENT: frozenset({S.PREPARED, S.NOTICE_RETURNED, S.UNCLAIMED, S.ON_HOLD}),
    # Prepared but the resident did not come: back to waiting (notice mailed) or back to the cabinet.
    S.PREPARED: frozenset({S.SHIPPED, S.ISSUED, S.NOTICE_MAILED, S.FILED, S.ON_HOLD}),
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

# States that end a card's wait for its holder: another app may hold a claim on the card (a pickup booking).
CLOSING_STATES = frozenset({S.UNCLAIMED, S.RETURNED, S.DESTROYED})

# A guard sees the locked card and the wanted state and returns a refusal (Japanese) or None.
TransitionGuard = Callable[[Card, str], "str | None"]
_TRANSITION_GUARDS: list[TransitionGuard] = []


def register_transition_guard(guard: TransitionGuard) -> TransitionGuard:
    """Add a rule another app holds over card states (e.g. reservations: no closing a booked card).

    Called from the other app's `AppConfig.ready()`; every `card_transition` runs every guard, so screens,
    the API and commands share the rule. Registering the same function twice keeps one.
    """
    if guard not in _TRANSITION_GUARDS:
        _TRANSITION_GUARDS.append(guard)
    return guard


def transition_guards() -> tuple[TransitionGuard, ...]:
    return tuple(_TRANSITION_GUARDS)


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
    for guard in _TRANSITION_GUARDS:
        refusal = guard(card, to_state)
        if refusal:
            raise CardTransitionError(refusal)
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
    storage_location: StorageLocation | None = None,
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
            Card.objects.select_for_update(of=("self",))
            .select_related("pickup_office", "storage_location")
            .get(pk=card.pk)
        )
        fields = ["state", "updated_at"]
        location_before = locked.storage_location
        location_changed = storage_location is not None and storage_location.pk != locked.storage_location_id
        if storage_location is not None:
            # Filing assigns the place in the same step (scan "filed at A-03").
            locked.storage_location = storage_location
            fields.append("storage_location")
        _check(locked, to_state, office=office, note=note)
        now = at or timezone.now()
        from_state = locked.state
        locked.state = to_state
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
            location_changed=location_changed,
            location_before=location_before if location_changed else None,
        )
        audit_record(
            actor=by,
            action=AuditEvent.Action.TRANSITION,
            obj=locked,
            detail={"from": from_state, "to": to_state, "event": event.pk},
        )
    # Keep the caller's instance in step with the database.
    for name in ("state", "holding_deadline", "issued_on", "updated_at", "storage_location"):
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
        if event.location_changed:
            # Undoing 収納 takes the card out of the place it was filed in (back where it was, or nowhere).
            card.storage_location_id = event.location_before_id
            fields.append("storage_location")
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


# -- arrival import --------------------------------------------------------------------------------
#
# An upload becomes an ImportBatch holding the file (encrypted) and a job runs it: pass 1 streams the rows and
# validates every one (nothing written, progress shown); pass 2 streams them again and creates every new card in
# ONE transaction. Any problem anywhere: nothing is created and every problem is listed by row and column.
# Every ending (done, failed, cancelled, worker died, expired) clears the stored file.

IMPORT_CHUNK = 1000
MAX_IMPORT_ERRORS = 500


class ImportDuplicate(ValidationError):
    """The same file is being imported or was imported; `batch` is that import."""

    def __init__(self, batch: ImportBatch) -> None:
        when = timezone.localtime(batch.created_at).strftime("%Y-%m-%d %H:%M")
        state = "取込中です" if batch.status == ImportBatch.Status.VALIDATING else "取込済みです"
        super().__init__(f"同じファイルは取込No.{batch.pk}（{when}）で{state}。二重には取り込みません。")
        self.batch = batch


def _chunks(items: list[str], size: int = 500) -> list[list[str]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def _error(row: int, column: str, message: str) -> dict[str, object]:
    return {"row": row, "column": column, "message": message}


def _column_errors(plan: Any, *, strict: bool, header_row: int) -> list[dict[str, object]]:
    """Why a file cannot be imported with this column plan, as row errors at the heading row. `strict`
    (no preview: command, API) also refuses headings neither ours nor the profile's."""
    from . import intake

    errors = [_error(header_row, column, "必須の列がありません。") for column in plan.missing_required()]
    errors += [
        _error(header_row, column, "二つの列がこの列に対応しています（どちらか一方にしてください）。")
        for column in plan.doubled()
    ]
    if strict:
        errors += [
            _error(
                header_row,
                intake.safe_label(heading),
                "不明な列です。列名を確認するか、取込設定（取込元）を選んでください。",
            )
            for heading in plan.unknown
        ]
    return errors


def _known(mapping: dict[str, str] | None) -> list[str]:
    """Headings that mark the heading row: ours, every profile's, and those of the batch's own mapping."""
    from . import profiles

    return profiles.known_headings() + [k for k, v in (mapping or {}).items() if v]


def _read_columns(
    *,
    content: bytes,
    file_name: str,
    encoding: str | None,
    sheet: str | None,
    profile: Any,
    mapping: Any,
    preview: bool = True,
) -> tuple[Any, Any, Any]:
    """(source, profile, plan): the file opened (FileRefused otherwise), the profile detected when none was
    chosen, the heading → column plan. `preview`: a file with unknown headings is read from its first row."""
    from . import intake, profiles

    source = intake.open_source(
        content, file_name, known_columns=_known(mapping), encoding=encoding, sheet=sheet, any_header=preview
    )
    if mapping is None:
        if profile is None:
            profile = profiles.profile_detect(source.header)
        mapping = profile.mapping if profile is not None else {}
    return source, profile, profiles.plan_for(source.header, mapping)


def import_batch_create(
    *,
    file_name: str,
    content: bytes,
    by: User | None,
    encoding: str | None = None,
    sheet: str | None = None,
    profile: ImportProfile | None = None,
    mapping: dict[str, str] | None = None,
    preview: bool = False,
) -> ImportBatch:
    """Keep an uploaded arrival list (encrypted) for the import job. An unreadable file (type, encoding,
    header, size) fails at once with the reason; the same file twice raises ImportDuplicate.

    Columns are read with `mapping`, else the chosen `profile`, else the profile detected from the headings
    (our own column names need none). With `preview` the batch waits as 確認待ち for a person to check the
    columns and the first rows (`import_batch_reread`, `import_batch_confirm`); unknown headings are then
    shown as not imported. Without it (command) an unknown heading is refused."""
    import base64
    import hashlib

    from . import intake

    if contains_individual_number(file_name):
        raise ValidationError(
            "ファイル名に個人番号（マイナンバー）と思われる12桁の数字があります。ファイル名を変えてください。"
        )
    digest = hashlib.sha256(content).hexdigest()
    batch = ImportBatch(
        file_name=intake.safe_label(file_name, 190),
        sha256=digest,
        encoding=(encoding or "auto")[:20],
        sheet=(sheet or "")[:100],
        created_by=by,
    )
    try:
        source, profile, plan = _read_columns(
            content=content,
            file_name=file_name,
            encoding=encoding,
            sheet=sheet,
            profile=profile,
            mapping=mapping,
            preview=preview,
        )
    except intake.FileRefused as exc:
        if preview and len(_sheets_of(content)) > 1:
            # A workbook whose shown sheet is not the list: the preview lets the person pick another sheet.
            batch.status = ImportBatch.Status.PREVIEW
            batch.payload = base64.b64encode(content).decode("ascii")
        else:
            batch.status = ImportBatch.Status.FAILED
            batch.errors = [_error(0, "", str(exc))]
            batch.finished_at = timezone.now()
    else:
        batch.notes = list(source.notes)
        batch.sheet = source.sheet[:100]
        batch.profile = profile
        batch.mapping = plan.mapping
        problems = _column_errors(plan, strict=not preview, header_row=source.header_row)
        if preview:
            batch.status = ImportBatch.Status.PREVIEW
            batch.payload = base64.b64encode(content).decode("ascii")
        elif problems:
            batch.status = ImportBatch.Status.FAILED
            batch.errors = problems
            batch.finished_at = timezone.now()
        else:
            if profile is not None:
                batch.notes.append(f"取込設定「{profile.name}」で列を読みました。")
            batch.notes += plan.warnings()
            batch.payload = base64.b64encode(content).decode("ascii")
    earlier = (
        ImportBatch.objects.filter(sha256=digest, status__in=ImportBatch.ACTIVE_STATUSES)
        .order_by("-pk")
        .first()
    )
    if earlier is not None:
        raise ImportDuplicate(earlier)
    try:
        with transaction.atomic():
            batch.save()
            audit_record(
                actor=by,
                action=AuditEvent.Action.IMPORT,
                obj=batch,
                detail={
                    "status": batch.status,
                    "bytes": len(content),
                    "errors": len(batch.errors),
                    "profile": batch.profile_id,
                },
            )
    except IntegrityError:
        other = ImportBatch.objects.filter(sha256=digest, status__in=ImportBatch.ACTIVE_STATUSES).first()
        if other is None:  # the other one failed in between: a retry may go ahead
            raise ValidationError("同じファイルの取込と重なりました。もう一度取り込んでください。") from None
        raise ImportDuplicate(other) from None
    return batch


@dataclass
class ImportPreview:
    """What the preview page shows: how the file was read, the column plan and the first rows."""

    description: str
    sheets: list[str]
    sheet: str
    header_row: int
    plan: Any  # profiles.ColumnPlan
    rows: list[tuple[int, list[str]]]  # (row number, cells in file order)
    notes: list[str]
    problems: list[str]
    error: str = ""


PREVIEW_ROWS = 5


def _sheets_of(content: bytes) -> list[str]:
    """The visible sheets of a workbook ([] for a CSV or a file that is not readable as one)."""
    from . import intake

    try:
        return intake.workbook_sheets(content)
    except intake.FileRefused:
        return []


def import_preview(*, batch: ImportBatch, rows: int = PREVIEW_ROWS) -> ImportPreview:
    """Read only the heading and the first `rows` data rows of a waiting batch (streamed: cheap for any size)."""
    from . import intake, profiles

    content = _decoded(batch)
    try:
        source = intake.open_source(
            content,
            batch.file_name,
            known_columns=_known(batch.mapping),
            encoding=_enc(batch),
            sheet=batch.sheet or None,
            any_header=True,
        )
    except intake.FileRefused as exc:
        return ImportPreview(
            "", _sheets_of(content), batch.sheet, 0, profiles.plan_for([], {}), [], [], [], error=str(exc)
        )
    plan = profiles.plan_for(source.header, batch.mapping)
    first: list[tuple[int, list[str]]] = []
    for item in source.rows():
        first.append(item)
        if len(first) >= rows:
            break
    return ImportPreview(
        description=source.description,
        sheets=source.sheets,
        sheet=source.sheet,
        header_row=source.header_row,
        plan=plan,
        rows=first,
        notes=list(dict.fromkeys(source.notes)),
        problems=plan.problems(),
    )


def _waiting(batch: ImportBatch) -> ImportBatch:
    locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if locked.status != ImportBatch.Status.PREVIEW or not locked.payload:
        raise ValidationError(f"この取込はすでに「{locked.get_status_display()}」です。")
    return locked


def import_batch_reread(
    *,
    batch: ImportBatch,
    by: User,
    sheet: str | None = None,
    profile: ImportProfile | None = None,
    mapping: dict[str, str] | None = None,
) -> ImportBatch:
    """Read a waiting batch again with another sheet, profile or column mapping (no profile and no mapping:
    detect the profile again). Raises ValidationError with the reason when the file cannot be read so."""
    from . import intake

    with transaction.atomic():
        locked = _waiting(batch)
        try:
            source, profile, plan = _read_columns(
                content=_decoded(locked),
                file_name=locked.file_name,
                encoding=_enc(locked),
                sheet=sheet if sheet is not None else (locked.sheet or None),
                profile=profile,
                mapping=mapping,
            )
        except intake.FileRefused as exc:
            raise ValidationError(str(exc)) from None
        locked.sheet = source.sheet[:100]
        locked.notes = list(source.notes)
        locked.profile = profile
        locked.mapping = plan.mapping
        locked.save(update_fields=["sheet", "notes", "profile", "mapping"])
        audit_record(
            actor=by,
            action=AuditEvent.Action.UPDATE,
            obj=locked,
            detail={"sheet": locked.sheet, "profile": locked.profile_id, "columns": len(plan.headings)},
        )
    return locked


def import_batch_confirm(
    *, batch: ImportBatch, by: User, mapping: dict[str, str] | None = None
) -> ImportBatch:
    """The person checked the preview: import with this mapping (the batch's own when None). Raises
    ValidationError when a required column has no heading or one column has two, ImportDuplicate when the
    same file was imported or is being imported meanwhile."""
    from . import profiles

    try:
        with transaction.atomic():
            locked = _waiting(batch)
            preview = import_preview(batch=locked, rows=0)
            if preview.error:
                raise ValidationError(preview.error)
            plan = profiles.plan_for(preview.plan.headings, locked.mapping if mapping is None else mapping)
            if plan.problems():
                raise ValidationError(plan.problems())
            done = ImportBatch.objects.filter(sha256=locked.sha256, status=ImportBatch.Status.DONE).first()
            if done is not None:
                raise ImportDuplicate(done)
            locked.mapping = plan.mapping
            locked.status = ImportBatch.Status.VALIDATING
            if locked.profile is not None and mapping is None:
                locked.notes.append(f"取込設定「{locked.profile.name}」で列を読みました。")
            left_out = plan.left_out_unknown(locked.profile.mapping if locked.profile else None)
            locked.notes += plan.warnings(left_out)
            locked.save(update_fields=["mapping", "status", "notes"])
            audit_record(
                actor=by,
                action=AuditEvent.Action.IMPORT,
                obj=locked,
                detail={"status": locked.status, "profile": locked.profile_id, "ignored": len(left_out)},
            )
    except IntegrityError:
        other = ImportBatch.objects.filter(sha256=batch.sha256, status=ImportBatch.Status.VALIDATING).first()
        if other is None:
            raise ValidationError("同じファイルの取込と重なりました。もう一度取り込んでください。") from None
        raise ImportDuplicate(other) from None
    return locked


def import_profile_save(
    *, name: str, mapping: dict[str, str], by: User, description: str = ""
) -> ImportProfile:
    """Save (or replace, by name) a column mapping as a profile for the next file from the same source."""
    from . import profiles

    name = name.strip()
    if not name:
        raise ValidationError("取込設定の名前を入力してください。")
    refuse_individual_number(name)
    refuse_individual_number(description)
    clean = profiles.normalise_mapping(mapping)
    if not any(clean.values()):
        raise ValidationError("取り込む列が一つもありません。")
    with transaction.atomic():
        profile, created = ImportProfile.objects.select_for_update().get_or_create(
            name=name[:100], defaults={"mapping": clean, "description": description[:300], "created_by": by}
        )
        if not created:
            profile.mapping = clean
            if description:
                profile.description = description[:300]
            profile.save(update_fields=["mapping", "description", "updated_at"])
        audit_record(
            actor=by,
            action=AuditEvent.Action.CREATE if created else AuditEvent.Action.UPDATE,
            obj=profile,
            detail={"columns": len(clean)},
        )
    return profile


def import_profile_delete(*, profile: ImportProfile, by: User) -> None:
    """Delete a saved column mapping (a source that no longer sends files, or a mapping saved by mistake). Past
    imports keep their own copy of the mapping they used; only the link to the profile is cleared."""
    with transaction.atomic():
        locked = ImportProfile.objects.select_for_update().get(pk=profile.pk)
        audit_record(
            actor=by,
            action=AuditEvent.Action.DELETE,
            obj=locked,
            detail={"columns": len(locked.mapping)},
        )
        locked.delete()


def _decoded(batch: ImportBatch) -> bytes:
    import base64

    return base64.b64decode(batch.payload.encode("ascii"))


class _Stop(Exception):
    """Leave the creating transaction without writing anything."""


def import_batch_run(  # noqa: C901 - the two import passes and their refusals read top to bottom; split, the all-or-nothing rule would be spread over helpers
    *, batch: ImportBatch, progress: Callable[[int, int, str], None] | None = None
) -> ImportBatch:
    """Validate every row, then create every new card in one transaction (or nothing, with every problem)."""
    from . import importing, intake, profiles

    batch = ImportBatch.objects.get(pk=batch.pk)
    if batch.status != ImportBatch.Status.VALIDATING:
        return batch
    by = batch.created_by
    content = _decoded(batch)
    batch.payload = ""  # the decrypted base64 copy is not needed any more (memory: a third of the file again)
    report = progress or (lambda done, total, message: None)
    offices = importing.office_map()
    today = timezone.localdate()

    def open_rows() -> tuple[intake.Source, Iterator[tuple[int, dict[str, str]]]]:
        source = intake.open_source(
            content,
            batch.file_name,
            known_columns=_known(batch.mapping),
            encoding=_enc(batch),
            sheet=batch.sheet or None,
        )
        # The headings as our columns (the mapping confirmed or detected at upload); "" = not imported.
        header = profiles.plan_for(source.header, batch.mapping).targets
        width = len(header)
        used = [j for j in range(width) if header[j]]

        def rows() -> Iterator[tuple[int, dict[str, str]]]:
            for number, cells in source.rows():
                if len(cells) > width and any(v.strip() for v in cells[width:]):
                    yield (
                        number,
                        {"__extra__": f"見出しより多い{len(cells)}列の値があります（見出しは{width}列）。"},
                    )
                    continue
                yield number, {header[j]: (cells[j].strip() if j < len(cells) else "") for j in used}

        return source, rows()

    # Pass 1: every row checked, nothing kept but keys, counts and problems (bounded memory).
    errors: list[dict[str, object]] = []
    error_total = 0
    seen_notice: dict[str, int] = {}
    seen_app: dict[str, int] = {}
    existing_rows: set[int] = set()
    corrections: list[tuple[int, int, list[str]]] = []  # (row, card id, changed fields)
    total = 0
    source: intake.Source | None = None
    rows: Iterator[tuple[int, dict[str, str]]] = iter(())
    try:
        source, rows = open_rows()
        chunk: list[importing.ParsedRow] = []
        for number, values in rows:
            total += 1
            if total > intake.max_rows():
                raise intake.FileRefused(
                    f"行が多すぎます（{intake.max_rows():,}行まで）。分けて取り込んでください。"
                )
            if "__extra__" in values:
                problems = [importing.RowError(number, "", values["__extra__"])]
                parsed = None
            else:
                parsed, problems = importing.parse_row(values, number, offices, today)
            for p in problems:
                error_total += 1
                if len(errors) < MAX_IMPORT_ERRORS:
                    errors.append(_error(p.row, p.column, p.message))
            if parsed is None:
                continue
            for key, seen, column in (
                (parsed.notice_number, seen_notice, importing.COL_NOTICE),
                (parsed.application_id, seen_app, importing.COL_APPLICATION),
            ):
                if key in seen:
                    error_total += 1
                    if len(errors) < MAX_IMPORT_ERRORS:
                        errors.append(
                            _error(number, column, f"{seen[key]}行目と同じ値です（ファイル内で重複）。")
                        )
                else:
                    seen[key] = number
            chunk.append(parsed)
            if len(chunk) >= IMPORT_CHUNK:
                error_total += _check_against_cards(chunk, errors, existing_rows, corrections)
                chunk = []
                report(total, 0, f"{total:,}行を検証しました")
        error_total += _check_against_cards(chunk, errors, existing_rows, corrections)
        if total == 0 and not errors:
            errors.append(_error(source.header_row + 1, "", "データ行がありません。"))
            error_total += 1
    except intake.FileRefused as exc:
        errors, error_total = [_error(0, "", str(exc))], 1
    seen_notice.clear()
    seen_app.clear()
    notes = list(dict.fromkeys([*batch.notes, *source.notes])) if source is not None else list(batch.notes)
    # Pass 1's reader holds the whole decoded text: let it go before pass 2 decodes its own (memory).
    source = None
    rows = iter(())
    if errors:
        if error_total > len(errors):
            errors.append(
                _error(
                    0,
                    "",
                    f"ほかに{error_total - len(errors)}件のエラーがあります（最初の{len(errors)}件を表示）。",
                )
            )
        errors.sort(key=lambda e: int(str(e["row"])))
        return _import_finish(batch, status=ImportBatch.Status.FAILED, errors=errors, notes=notes, rows=total)

    # Pass 2: the same rows again, every new card created in one transaction.
    report(0, total, "カードを登録しています")
    try:
        with transaction.atomic():
            created = _import_create(
                batch=batch,
                rows=open_rows()[1],
                offices=offices,
                today=today,
                skip=existing_rows,
                by=by,
                report=lambda done: report(done, total, "カードを登録しています"),
            )
            if corrections:
                _corrections_fill(
                    batch=batch,
                    rows=open_rows()[1],
                    offices=offices,
                    today=today,
                    wanted={r for r, _, _ in corrections},
                )
    except (IntegrityError, _Stop):
        return _import_finish(
            batch,
            status=ImportBatch.Status.FAILED,
            errors=[
                _error(
                    0,
                    "",
                    "同じカードを別の取込が同時に登録したため、何も登録していません。もう一度取り込んでください。",
                )
            ],
            notes=notes,
            rows=total,
        )
    return _import_finish(
        batch,
        status=ImportBatch.Status.DONE,
        errors=[],
        notes=notes,
        rows=total,
        created=created,
        existing=len(existing_rows),
        corrections=len(corrections),
    )


def _enc(batch: ImportBatch) -> str | None:
    return None if batch.encoding in ("", "auto") else batch.encoding


def _import_finish(
    batch: ImportBatch,
    *,
    status: str,
    errors: list[dict[str, object]],
    notes: list[str],
    rows: int,
    created: int = 0,
    existing: int = 0,
    corrections: int = 0,
) -> ImportBatch:
    with transaction.atomic():
        locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if locked.status != ImportBatch.Status.VALIDATING:
            return locked
        locked.status = status
        locked.errors = errors
        # The batch page shows at most 50 notes; the last line says how many more there were.
        locked.notes = notes[:50] + (
            [f"ほか {len(notes) - 50} 件の注記があります。"] if len(notes) > 50 else []
        )
        locked.row_count = locked.validated = rows
        locked.created_count = created
        locked.existing_count = existing
        locked.correction_count = corrections
        locked.payload = ""
        locked.finished_at = timezone.now()
        locked.save()
        audit_record(
            actor=locked.created_by,
            action=AuditEvent.Action.IMPORT,
            obj=locked,
            detail={
                "status": status,
                "rows": rows,
                "created": created,
                "existing": existing,
                "corrections": corrections,
                "errors": len(errors),
            },
        )
    return locked


_COMPARED = ("applicant_name", "applicant_kana", "birth_date", "address")


def _check_against_cards(
    chunk: list,
    errors: list[dict[str, object]],
    existing_rows: set[int],
    corrections: list[tuple[int, int, list[str]]],
) -> int:
    """Rows already registered: the same card (skipped, or a correction to confirm when a personal field
    changed) or a clash (an error). Returns the number of errors found."""
    if not chunk:
        return 0
    by_notice = {
        c.notice_number: c
        for c in Card.objects.filter(notice_number__in=[p.notice_number for p in chunk]).only(
            "pk", "notice_number", "application_id", *_COMPARED
        )
    }
    by_app = dict(
        Card.objects.filter(application_id__in=[p.application_id for p in chunk]).values_list(
            "application_id", "notice_number"
        )
    )
    found = 0
    for p in chunk:
        card = by_notice.get(p.notice_number)
        known_notice = by_app.get(p.application_id)
        if card is None and known_notice is None:
            continue
        if card is not None and card.application_id == p.application_id:
            existing_rows.add(p.line)
            changed = [f for f in _COMPARED if getattr(card, f) != getattr(p, f)]
            if changed:
                corrections.append((p.line, card.pk, changed))
            continue
        found += 1
        if len(errors) < MAX_IMPORT_ERRORS:
            if card is not None:
                errors.append(
                    _error(p.line, "交付通知書番号", "この交付通知書番号は別の申請書IDで登録済みです。")
                )
            else:
                errors.append(_error(p.line, "申請書ID", "この申請書IDは別の交付通知書番号で登録済みです。"))
    return found


def _corrections_fill(
    *,
    batch: ImportBatch,
    rows: Iterator[tuple[int, dict[str, str]]],
    offices: dict[str, int],
    today: datetime.date,
    wanted: set[int],
) -> None:
    from . import importing

    pending = []
    for number, values in rows:
        if number not in wanted:
            continue
        parsed, _ = importing.parse_row(values, number, offices, today)
        if parsed is None:
            raise _Stop
        card = Card.objects.get(notice_number=parsed.notice_number)
        changed = [f for f in _COMPARED if getattr(card, f) != getattr(parsed, f)]
        pending.append(
            CardCorrection(
                card=card,
                batch=batch,
                row=number,
                changed=changed,
                applicant_name=parsed.applicant_name,
                applicant_kana=parsed.applicant_kana,
                birth_date=cast(Any, parsed.birth_date),  # an encrypted date (the stubs see text)
                address=parsed.address,
            )
        )
    CardCorrection.objects.bulk_create(pending)


def _import_create(
    *,
    batch: ImportBatch,
    rows: Iterator[tuple[int, dict[str, str]]],
    offices: dict[str, int],
    today: datetime.date,
    skip: set[int],
    by: User | None,
    report: Callable[[int], None],
) -> int:
    """Create the new cards chunk by chunk (inside the caller's transaction); returns how many."""
    from . import importing

    now = timezone.now()
    created = 0
    chunk: list[Card] = []

    def flush() -> None:
        nonlocal created
        if not chunk:
            return
        _insert_rows(Card, chunk, now=now)
        ids = dict(
            Card.objects.filter(notice_number__in=[c.notice_number for c in chunk]).values_list(
                "notice_number", "pk"
            )
        )
        _insert_rows(
            CardEvent,
            [
                CardEvent(
                    card_id=ids[c.notice_number],
                    at=now,
                    actor=by,
                    from_state="",
                    to_state=S.RECEIVED,
                    note=f"到着一覧の取込（取込No.{batch.pk}）",
                )
                for c in chunk
            ],
            now=now,
        )
        created += len(chunk)
        chunk.clear()
        report(created)

    for number, values in rows:
        if number in skip:
            continue
        parsed, problems = importing.parse_row(values, number, offices, today)
        if parsed is None:  # the file cannot have changed between the passes; refuse rather than guess
            raise _Stop
        card = Card(
            notice_number=parsed.notice_number,
            application_id=parsed.application_id,
            kind=parsed.kind,
            method=parsed.method,
            applicant_name=parsed.applicant_name,
            applicant_kana=parsed.applicant_kana,
            address=parsed.address,
            phone=parsed.phone,
            birth_date=cast(Any, parsed.birth_date),
            pickup_office_id=parsed.office_id,
            myna_assist=parsed.myna_assist,
            gaiji_note=parsed.gaiji_note,
            arrived_on=parsed.arrived_on,
            state=S.RECEIVED,
            import_batch=batch,
        )
        card.refresh_hashes()
        chunk.append(card)
        if len(chunk) >= IMPORT_CHUNK:
            flush()
    flush()
    return created


def _insert_rows(
    model: type[models.Model], objs: list, *, now: datetime.datetime, batch_size: int = 500
) -> None:
    """Plain multi-row INSERTs for big imports: Django's bulk_create spends most of its time preparing
    values field by field; here each value is prepared once (encryption included) and sent with executemany."""
    from django.db import connection

    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column or f.attname) for f in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    # Only model metadata (quoted table and column names) goes into the statement; values are parameters.
    sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"  # noqa: S608
    auto = {f.attname for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)}
    rows = []
    for obj in objs:
        row = []
        for f in fields:
            value = now if f.attname in auto else getattr(obj, f.attname)
            row.append(f.get_db_prep_save(value, connection))
        rows.append(row)
    with connection.cursor() as cursor:
        for i in range(0, len(rows), batch_size):
            cursor.executemany(sql, rows[i : i + batch_size])


def card_import(
    *,
    file_name: str,
    content: bytes,
    by: User | None,
    encoding: str | None = None,
    sheet: str | None = None,
    profile: ImportProfile | None = None,
) -> ImportBatch:
    """The whole import in one call, without a job or preview (command, benchmark, tests): the profile given,
    else the one detected from the headings; an unknown heading is refused."""
    batch = import_batch_create(
        file_name=file_name, content=content, by=by, encoding=encoding, sheet=sheet, profile=profile
    )
    batch.payload = ""  # the run reads the stored file itself; this copy would only take memory
    return import_batch_run(batch=batch)


ABANDONED_MESSAGE = "取込が途中で止まったため中止し、アップロードされたファイルの内容を削除しました。何も登録していません。もう一度取り込んでください。"


def import_batch_abandon(*, batch_id: int, message: str = ABANDONED_MESSAGE, by: User | None = None) -> bool:
    """End a batch that will not finish (job cancelled, worker died, expired): its file (personal data)
    is deleted and it is marked as interrupted. Returns whether anything changed."""
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().filter(pk=batch_id).first()
        waiting = (ImportBatch.Status.VALIDATING, ImportBatch.Status.PREVIEW)
        if batch is None or (batch.status not in waiting and not batch.payload):
            return False
        if batch.status in waiting:
            batch.status = ImportBatch.Status.EXPIRED
            batch.errors = [_error(0, "", message)]
            batch.finished_at = timezone.now()
        batch.payload = ""
        batch.save(update_fields=["status", "errors", "finished_at", "payload"])
        audit_record(
            actor=by,
            action=AuditEvent.Action.DELETE,
            obj=batch,
            detail={"payload": "deleted", "status": batch.status},
        )
    return True


def import_stale_minutes() -> int:
    return int(getattr(settings, "MADOGUCHI_CARD_IMPORT_STALE_MINUTES", 120))


def import_batches_expire(*, now: datetime.datetime | None = None) -> int:
    """Batches still running long after their upload (their job is gone) are ended and their files deleted."""
    cutoff = (now or timezone.now()) - datetime.timedelta(minutes=import_stale_minutes())
    stale = list(
        ImportBatch.objects.filter(created_at__lt=cutoff)
        .filter(Q(status__in=(ImportBatch.Status.VALIDATING, ImportBatch.Status.PREVIEW)) | ~Q(payload=""))
        .values_list("pk", flat=True)
    )
    return sum(
        import_batch_abandon(
            batch_id=pk,
            message="取込が時間内に終わらなかったため中止し、ファイルの内容を削除しました。もう一度取り込んでください。",
        )
        for pk in stale
    )


def card_correction_decide(*, correction: CardCorrection, apply: bool, by: User) -> CardCorrection:
    """Confirm (apply to the card, audited; the card page lists its corrections) or reject a re-sent row's
    changes. No CardEvent: the state does not change, and reports count events as state changes."""
    with transaction.atomic():
        locked = CardCorrection.objects.select_for_update().select_related("card").get(pk=correction.pk)
        if locked.status != CardCorrection.Status.PENDING:
            raise ValidationError(f"この訂正はすでに「{locked.get_status_display()}」です。")
        now = timezone.now()
        if apply:
            card = Card.objects.select_for_update().get(pk=locked.card_id)
            for name in locked.changed:
                setattr(card, name, getattr(locked, name))
            card.save(update_fields=[*locked.changed, "updated_at"])
        locked.status = CardCorrection.Status.APPLIED if apply else CardCorrection.Status.REJECTED
        locked.decided_by = by
        locked.decided_at = now
        locked.save(update_fields=["status", "decided_by", "decided_at"])
        audit_record(
            actor=by,
            action=AuditEvent.Action.UPDATE,
            obj=locked.card,
            detail={"correction": locked.pk, "fields": locked.changed, "applied": apply},
        )
    return locked


CORRECTABLE = {
    "applicant_name": "氏名",
    "applicant_kana": "氏名カナ",
    "birth_date": "生年月日",
    "address": "住所",
    "phone": "電話番号",
}


def _correction_problems(values: dict[str, Any], today: datetime.date) -> dict[str, str]:
    """The same checks as the arrival import, per field, with reasons that never repeat the value."""
    from . import importing, intake

    problems: dict[str, str] = {}
    for name, value in values.items():
        if name == "birth_date":
            continue
        text = str(value)
        if contains_individual_number(text):
            problems[name] = "個人番号（マイナンバー）と思われる12桁の数字が含まれています。"
        elif hidden := intake.hidden_characters(text):
            problems[name] = hidden + "。"
    if "applicant_name" in values and not str(values["applicant_name"]).strip():
        problems.setdefault("applicant_name", "氏名を入力してください。")
    kana = str(values.get("applicant_kana", "x"))
    if not kana.strip():
        problems.setdefault("applicant_kana", "氏名カナを入力してください。")
    elif not importing.kana_ok(kana):
        problems.setdefault("applicant_kana", "カナ以外の文字が含まれています（カタカナ・ひらがなと空白）。")
    phone = str(values.get("phone", ""))
    if phone and not importing.phone_ok(phone):
        problems.setdefault("phone", "電話番号として読めません（数字とハイフン、6〜15文字）。")
    for name, limit in (("applicant_name", 100), ("applicant_kana", 100), ("address", 300)):
        if len(str(values.get(name, ""))) > limit:
            problems.setdefault(name, f"長すぎます（{limit}文字まで）。")
    birth = values.get("birth_date")
    if birth is not None:
        if birth > today:
            problems["birth_date"] = "生年月日が未来の日付です。"
        elif birth.year < today.year - importing.MAX_AGE:
            problems["birth_date"] = f"{importing.MAX_AGE}歳を超えます。年・元号を確認してください。"
    return problems


def card_correct(*, card: Card, by: User, reason: str, **values: Any) -> CardCorrection:
    """Fix wrong personal data on a card (氏名, 氏名カナ, 生年月日, 住所, 電話番号) with a reason: only the
    fields that differ change; the 要外字確認 flag is recomputed; the correction is kept (new values
    encrypted, the changed field names and the reason in clear), shown in the card's history, and audited
    with the field names only. Raises ValidationError {field: reason} for a bad value, or when nothing
    changes or no reason is given. The card's state is untouched."""
    from . import importing

    unknown = set(values) - set(CORRECTABLE)
    if unknown:
        raise ValueError(f"訂正できない項目: {sorted(unknown)}")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(
            {"reason": "訂正の理由を入力してください（例: 交付通知書と照合して氏名の誤りを訂正）。"}
        )
    refuse_individual_number(reason, field="reason")
    values = {k: (v.strip() if isinstance(v, str) else v) for k, v in values.items() if v is not None}
    problems = _correction_problems(values, timezone.localdate())
    if problems:
        raise ValidationError(problems)
    with transaction.atomic():
        locked = Card.objects.select_for_update().get(pk=card.pk)
        changed = [name for name in CORRECTABLE if name in values and getattr(locked, name) != values[name]]
        if not changed:
            raise ValidationError("変更された項目がありません。")
        for name in changed:
            setattr(locked, name, values[name])
        locked.gaiji_note = "、".join(
            r
            for r in (
                importing.gaiji_reason(importing.COL_NAME, locked.applicant_name),
                importing.gaiji_reason(importing.COL_ADDRESS, locked.address),
            )
            if r
        )[:200]
        locked.save(update_fields=[*changed, "gaiji_note", "updated_at"])
        now = timezone.now()
        correction = CardCorrection.objects.create(
            card=locked,
            batch=None,
            reason=reason[:200],
            changed=changed,
            applicant_name=locked.applicant_name if "applicant_name" in changed else "",
            applicant_kana=locked.applicant_kana if "applicant_kana" in changed else "",
            birth_date=cast(Any, locked.birth_date) if "birth_date" in changed else None,
            address=locked.address if "address" in changed else "",
            phone=locked.phone if "phone" in changed else "",
            status=CardCorrection.Status.APPLIED,
            decided_by=by,
            decided_at=now,
            created_at=now,
        )
        audit_record(
            actor=by,
            action=AuditEvent.Action.UPDATE,
            obj=locked,
            detail={"correction": correction.pk, "fields": changed, "source": "card_page"},
        )
    card.refresh_from_db()
    return correction


def card_transition_many(
    *, cards: list[Card], to_state: str, by: User | None, note: str = "", office: Office | None = None
) -> list[CardEvent]:
    """The same step for a stack of cards, all or none (reminders, returns, bulk mailing)."""
    with transaction.atomic():
        return [
            card_transition(card=card, to_state=to_state, by=by, note=note, office=office) for card in cards
        ]


# -- storage locations -------------------------------------------------------------------------------


def storage_location_create(
    *, cabinet: str, box: str, slot: str = "", capacity: int = 100, note: str = "", by: User | None
) -> StorageLocation:
    for field, value in (("cabinet", cabinet), ("box", box), ("slot", slot), ("note", note)):
        refuse_individual_number(value, field=field)
    code = StorageLocation.make_code(cabinet, box, slot)
    if not code:
        raise ValidationError({"cabinet": "キャビネットとボックスを入力してください。"})
    with transaction.atomic():
        if StorageLocation.objects.filter(code=code).exists():
            raise ValidationError({"cabinet": f"収納場所 {code} はすでにあります。"})
        location = StorageLocation.objects.create(
            cabinet=cabinet.strip(), box=box.strip(), slot=slot.strip(), capacity=capacity, note=note
        )
        audit_record(actor=by, action=AuditEvent.Action.CREATE, obj=location, detail={"code": location.code})
    return location


def storage_location_by_code(code: str) -> StorageLocation | None:
    key = normalize_key(code or "").replace("－", "-")
    if not key:
        return None
    # Codes are stored with hyphens between parts; a scanned label may drop them.
    for location in StorageLocation.objects.filter(is_active=True):
        if location.code == key or location.code.replace("-", "") == key.replace("-", ""):
            return location
    return None


# -- branch shipments --------------------------------------------------------------------------------


def shipment_create(
    *,
    office: Office,
    cards: list[Card],
    by: User | None,
    for_date: datetime.date | None = None,
    note: str = "",
) -> Shipment:
    """Put prepared cards for one branch in a shipment and mark them shipped (all or none)."""
    refuse_individual_number(note, field="note")
    if office.kind == Office.Kind.MAIN:
        raise ValidationError("本庁への送付は作成できません。送付先の支所を選んでください。")
    if not cards:
        raise ValidationError("送付するカードを1枚以上選んでください。")
    with transaction.atomic():
        shipment = Shipment.objects.create(
            to_office=office,
            for_date=for_date,
            status=Shipment.Status.SHIPPED,
            created_by=by,
            shipped_at=timezone.now(),
            note=note,
        )
        for card in cards:
            if card.pickup_office_id != office.pk:
                raise CardTransitionError(
                    f"カード {card.notice_number} の受取庁舎は{card.pickup_office.name}です（送付先と違います）。"
                )
            card_transition(card=card, to_state=S.SHIPPED, by=by, note=f"送付No.{shipment.pk}")
        ShipmentItem.objects.bulk_create([ShipmentItem(shipment=shipment, card=card) for card in cards])
        audit_record(
            actor=by,
            action=AuditEvent.Action.CREATE,
            obj=shipment,
            detail={"cards": len(cards), "to": office.code},
        )
    return shipment


def shipment_receive_card(*, shipment: Shipment, notice_number: str, by: User | None) -> ShipmentItem:
    """Branch staff scan one card out of the box. A card not in this shipment is noted as a mismatch."""
    key = normalize_key(notice_number or "")
    with transaction.atomic():
        shipment = Shipment.objects.select_for_update().get(pk=shipment.pk)
        if shipment.status != Shipment.Status.SHIPPED:
            raise ValidationError(f"送付No.{shipment.pk} は受領を締め切っています。")
        item = shipment.items.select_related("card").filter(card__notice_number=key).first()
        if item is None:
            # Recorded (committed) before refusing: the mismatch must survive the refusal.
            if key and key not in shipment.unexpected_numbers:
                shipment.unexpected_numbers = [*shipment.unexpected_numbers, key]
                shipment.save(update_fields=["unexpected_numbers"])
    if item is None:
        raise ValidationError(
            f"{key or '（空）'} はこの送付（No.{shipment.pk}）に含まれていません。不一致として記録しました。"
        )
    with transaction.atomic():
        item = ShipmentItem.objects.select_for_update(of=("self",)).select_related("card").get(pk=item.pk)
        if item.received_at is not None:
            raise ValidationError(f"カード {key} は受領済みです（二重スキャンの可能性）。")
        card_transition(card=item.card, to_state=S.RECEIVED_AT_BRANCH, by=by, office=shipment.to_office)
        item.received_at = timezone.now()
        item.save(update_fields=["received_at"])
    return item


def shipment_close(*, shipment: Shipment, by: User | None, receive_rest: bool = False) -> Shipment:
    """Finish receiving: with receive_rest every remaining card is received at once; cards still missing
    (or cards that arrived but were not listed) make the shipment a mismatch."""
    with transaction.atomic():
        shipment = Shipment.objects.select_for_update().get(pk=shipment.pk)
        if shipment.status != Shipment.Status.SHIPPED:
            raise ValidationError(f"送付No.{shipment.pk} はすでに受領済みです。")
        now = timezone.now()
        pending = list(shipment.items.select_related("card", "card__pickup_office").filter(received_at=None))
        if receive_rest:
            for item in pending:
                card_transition(
                    card=item.card, to_state=S.RECEIVED_AT_BRANCH, by=by, office=shipment.to_office
                )
                item.received_at = now
                item.save(update_fields=["received_at"])
            pending = []
        mismatch = bool(pending) or bool(shipment.unexpected_numbers)
        shipment.status = Shipment.Status.MISMATCH if mismatch else Shipment.Status.RECEIVED
        shipment.received_by = by
        shipment.received_at = now
        shipment.save(update_fields=["status", "received_by", "received_at"])
        audit_record(
            actor=by,
            action=AuditEvent.Action.UPDATE,
            obj=shipment,
            detail={
                "status": shipment.status,
                "missing": len(pending),
                "unexpected": len(shipment.unexpected_numbers),
            },
        )
    return shipment


# -- post-issuance -----------------------------------------------------------------------------------

CHECKLIST = ("id_sheet_filed", "notice_filed", "old_card_collected")
CHECKLIST_REQUIRED = ("id_sheet_filed", "notice_filed")


def post_issuance_record(
    *,
    card: Card,
    scanned_notice: str,
    issued_on: datetime.date,
    checks: dict[str, bool],
    by: User | None,
) -> PostIssuance:
    """Record the issuance date, confirm the notice number by scan, tick the sorting checklist, finish the card."""
    today = timezone.localdate()
    if normalize_key(scanned_notice or "") != card.notice_number:
        raise ValidationError(
            {
                "scanned_notice": f"読み取った番号（{normalize_key(scanned_notice or '') or '空'}）がこのカードの交付通知書番号と一致しません。"
            }
        )
    if issued_on > today:
        raise ValidationError({"issued_on": "交付日に未来の日付は入力できません。"})
    if issued_on < card.arrived_on:
        raise ValidationError({"issued_on": "交付日がカードの到着日より前です。"})
    missing = [name for name in CHECKLIST_REQUIRED if not checks.get(name)]
    if missing:
        labels = "、".join(str(getattr(PostIssuance._meta.get_field(n), "verbose_name", n)) for n in missing)
        raise ValidationError(f"書類の整理が終わっていません: {labels}")
    with transaction.atomic():
        locked = Card.objects.select_for_update().get(pk=card.pk)
        if locked.state != S.ISSUED:
            raise CardTransitionError(
                f"カード {locked.notice_number} は「{_label(locked.state)}」のため交付後処理できません（交付済のカードのみ）。"
            )
        locked.issued_on = issued_on
        locked.save(update_fields=["issued_on", "updated_at"])
        record = PostIssuance.objects.create(
            card=locked,
            notice_confirmed=True,
            done_by=by,
            done_at=timezone.now(),
            **{name: bool(checks.get(name)) for name in CHECKLIST},
        )
        card_transition(card=locked, to_state=S.POST_PROCESSED, by=by)
    card.state, card.issued_on = locked.state, locked.issued_on
    return record


EXPORT_COLUMNS = ("交付通知書番号", "申請書ID", "交付日", "交付場所コード", "種別", "申請方式")


def post_issuance_export(
    *, by: User | None, encoding: str = "utf-8", include_exported: bool = False, request=None
) -> tuple[bytes, int]:
    """CSV of post-processed cards for bulk entry of the issuance date into the card management system.

    Marks the rows exported so the next export holds only new ones; audited (count, not the contents).
    """
    from madoguchi.lib.exports import csv_bytes

    with transaction.atomic():
        records = PostIssuance.objects.select_for_update(of=("self",)).select_related(
            "card", "card__pickup_office"
        )
        if not include_exported:
            records = records.filter(exported_at=None)
        chosen = list(records.order_by("card__issued_on", "card__notice_number"))
        rows = [
            (
                r.card.notice_number,
                r.card.application_id,
                r.card.issued_on.isoformat() if r.card.issued_on else "",
                r.card.pickup_office.code,
                r.card.get_kind_display(),
                r.card.get_method_display(),
            )
            for r in chosen
        ]
        content = csv_bytes(EXPORT_COLUMNS, rows, encoding=encoding)
        PostIssuance.objects.filter(pk__in=[r.pk for r in chosen], exported_at=None).update(
            exported_at=timezone.now()
        )
        audit_record(
            actor=by,
            action=AuditEvent.Action.EXPORT,
            object_type="cards.postissuance",
            request=request,
            detail={"rows": len(rows), "encoding": encoding, "include_exported": include_exported},
        )
    return content, len(rows)


# -- Myna-Assist ---------------------------------------------------------------------------------------


def myna_assist_record_create(
    *,
    applicant_name: str,
    received_on: datetime.date,
    by: User | None,
    office: Office | None = None,
    notice_number: str = "",
    note: str = "",
) -> MynaAssistRecord:
    refuse_individual_number(applicant_name, field="applicant_name")
    refuse_individual_number(note, field="note")
    if not applicant_name.strip():
        raise ValidationError({"applicant_name": "申請者氏名を入力してください。"})
    if received_on > timezone.localdate():
        raise ValidationError({"received_on": "受付日に未来の日付は入力できません。"})
    card = None
    if notice_number.strip():
        card = card_by_notice(notice_number)
        if card is None:
            raise ValidationError(
                {"notice_number": f"交付通知書番号 {normalize_key(notice_number)} のカードはありません。"}
            )
    with transaction.atomic():
        record = MynaAssistRecord.objects.create(
            applicant_name=applicant_name.strip(),
            received_on=received_on,
            office=office,
            card=card,
            note=note,
            created_by=by,
        )
        if card is not None and not card.myna_assist:
            card.myna_assist = True
            card.save(update_fields=["myna_assist", "updated_at"])
        audit_record(actor=by, action=AuditEvent.Action.CREATE, obj=record)
    return record


# --- retention (madoguchi/retention): personal data past its period --------------------------------------

ANONYMISED = "（保存期間経過により削除）"


def _outside_holds(field: str, holds: Any) -> Q:
    q = Q()
    for start, end in holds or ():
        q &= ~Q(**{f"{field}__range": (start, end)})
    return q


def card_personal_data_purge(*, before: datetime.datetime, dry_run: bool, holds: Any = ()) -> int:
    """Cards closed (issued, post-processed, returned, destroyed) and untouched since before `before` are
    anonymised: name, kana, address, phone and birth date are erased; the card's number, states and events stay
    for the statistics. Cards inside a legal hold window are kept."""
    qs = (
        Card.objects.filter(state__in=Card.CLOSED_STATES, updated_at__lt=before)
        .exclude(applicant_kana="")
        .filter(_outside_holds("updated_at", holds))
    )
    if dry_run:
        return qs.count()
    with transaction.atomic():
        count = qs.update(
            applicant_name=ANONYMISED,
            applicant_kana="",
            address="",
            phone="",
            birth_date=datetime.date(1900, 1, 1),
            notice_birth_hash="",
            kana_birth_hash="",
            address_birth_hash="",
        )
        audit_record(
            actor=None,
            action=AuditEvent.Action.DELETE,
            object_type="cards.card",
            detail={"anonymised": count},
        )
    return count


def import_batch_purge(*, before: datetime.datetime, dry_run: bool, holds: Any = ()) -> int:
    """Uploaded files kept with import batches created before `before` (finished or crashed) are deleted; a batch
    still validating that old is marked failed."""
    qs = (
        ImportBatch.objects.filter(created_at__lt=before)
        .exclude(payload="")
        .filter(_outside_holds("created_at", holds))
    )
    if dry_run:
        return qs.count()
    with transaction.atomic():
        ids = list(qs.values_list("pk", flat=True))
        ImportBatch.objects.filter(pk__in=ids, status=ImportBatch.Status.VALIDATING).update(
            status=ImportBatch.Status.FAILED, finished_at=timezone.now()
        )
        count = ImportBatch.objects.filter(pk__in=ids).update(payload="")
        audit_record(
            actor=None,
            action=AuditEvent.Action.DELETE,
            object_type="cards.importbatch",
            detail={"purged": count},
        )
    return count


# -- the books: 受払簿, 廃棄簿 and the returned/destroyed list for the card management system ---------------


def ledger_export(
    *, kind: str, start: datetime.date, end: datetime.date, fmt: str, encoding: str = "utf-8", by: User
) -> tuple[bytes, str, int]:
    """(content, file name, rows) of the 受払簿 ("receipts") or the 返納・廃棄 list ("disposals") as
    PDF, XLSX or CSV.

    Audited (kind, period, format, row count). CP932 refuses a character it cannot hold, naming it."""
    from madoguchi.lib.exports import csv_bytes, xlsx_bytes

    from .selectors import card_ledgers

    if end < start:
        raise ValidationError("期間の終わりが始まりより前です。")
    if (end - start).days > 366:
        raise ValidationError("期間は1年以内にしてください。")
    book = next((b for b in card_ledgers(start=start, end=end) if b.key == kind), None)
    if book is None:
        raise ValidationError(f"「{kind}」という帳簿はありません。")
    title, header, rows = book.title, book.columns, book.rows
    name = f"{title}_{start:%Y%m%d}-{end:%Y%m%d}"
    if fmt == "pdf":
        from .documents import ledger_pdf

        content, name = ledger_pdf(book=book, start=start, end=end), f"{name}.pdf"
    elif fmt == "xlsx":
        content, name = xlsx_bytes(title, header, rows), f"{name}.xlsx"
    else:
        try:
            content = csv_bytes(header, rows, encoding="cp932" if encoding == "cp932" else "utf-8")
        except UnicodeEncodeError as exc:
            bad = exc.object[exc.start : exc.end]
            raise ValidationError(
                f"Shift_JIS にない文字（U+{ord(bad[0]):04X}）が含まれるため出力できません。UTF-8 で出力してください。"
            ) from None
        name = f"{name}.csv"
    audit_record(
        actor=by,
        action=AuditEvent.Action.EXPORT,
        object_type=f"cards.{kind}",
        detail={
            "from": start.isoformat(),
            "to": end.isoformat(),
            "format": fmt,
            "encoding": encoding,
            "rows": len(rows),
        },
    )
    return content, name, len(rows)


# -- stocktake ------------------------------------------------------------------------------------------


def stocktake_record(*, place: str, scanned: list[str], by: User) -> Stocktake:
    """棚卸: compare the numbers scanned at `place` with the cards filed there and keep the result (notice
    numbers and places only), audited with the counts. Raises ValidationError for an empty place. Read only
    for the cards: a card in the wrong place is fixed with a normal 収納 scan."""
    from .stocktake import stocktake as compare

    for raw in scanned:
        refuse_individual_number(raw)
    try:
        result = compare(place=place, scanned=scanned)
    except ValueError as exc:
        raise ValidationError(str(exc)) from None

    def where(card: Card) -> dict[str, str]:
        return {
            "notice": card.notice_number,
            "place": card.storage_location.code if card.storage_location else "",
            "state": card.get_state_display(),
        }

    with transaction.atomic():
        record = Stocktake.objects.create(
            place=result.place,
            by=by,
            expected_count=result.expected,
            scanned_count=len(result.found) + len(result.wrong_place) + len(result.unknown),
            found=[c.notice_number for c in result.found],
            missing=[where(c) for c in result.missing],
            wrong_place=[where(c) for c in result.wrong_place],
            unknown=result.unknown,
            repeated=result.repeated,
        )
        audit_record(
            actor=by,
            action=AuditEvent.Action.CREATE,
            obj=record,
            detail={
                "stocktake": record.place,
                "expected": record.expected_count,
                "scanned": record.scanned_count,
                "missing": len(record.missing),
                "wrong_place": len(record.wrong_place),
                "unknown": len(record.unknown),
            },
        )
    return record

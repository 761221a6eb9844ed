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

from .models import (
    Card,
    CardEvent,
    ImportBatch,
    MynaAssistRecord,
    PostIssuance,
    Shipment,
    ShipmentItem,
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

IMPORT_CHUNK = 2000
MAX_IMPORT_ERRORS = 500


def _chunks(items: list[str], size: int = 500) -> list[list[str]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def import_batch_start(
    *, file_name: str, content: bytes, by: User | None, encoding: str | None = None
) -> ImportBatch:
    """Read an uploaded arrival list; an unreadable file or a wrong header fails it at once.

    Nothing is created yet: `import_batch_advance` validates the rows in chunks and creates the cards
    only when every row is valid (all-or-nothing).
    """
    import hashlib
    import json

    from madoguchi.lib.exports import read_table

    from . import importing

    digest = hashlib.sha256(content).hexdigest()
    batch = ImportBatch(file_name=file_name[:200], sha256=digest, encoding=encoding or "auto", created_by=by)
    errors: list[dict[str, object]] = []
    rows: list[dict[str, str]] = []
    try:
        importing.check_encoding(content, file_name, encoding)
        table = read_table(content, file_name, encoding=encoding or None)
    except ValueError as exc:
        errors.append({"row": 0, "column": "", "message": str(exc)})
    else:
        header_problems = importing.header_errors(table.header)
        rows, shape_problems = importing.row_dicts(table.header, table.rows)
        problems = header_problems + shape_problems
        if not header_problems:
            problems += importing.duplicate_errors(rows)
        if not rows and not problems:
            problems.append(importing.RowError(2, "", "データ行がありません。"))
        errors = [{"row": e.row, "column": e.column, "message": e.message} for e in problems]
    batch.row_count = len(rows)
    # Rows too wide or repeated are listed with every row problem found later (the user fixes the file
    # once); only an unreadable file, a wrong header or no rows fails at once.
    fail_now = bool(errors) and (not rows or any(e["row"] in (0, 1) for e in errors))
    with transaction.atomic():
        if fail_now:
            batch.status = ImportBatch.Status.FAILED
            batch.errors = errors[:MAX_IMPORT_ERRORS]
            batch.finished_at = timezone.now()
        else:
            batch.payload = json.dumps(importing.redact_individual_numbers(rows), ensure_ascii=False)
            batch.errors = errors[:MAX_IMPORT_ERRORS]
        batch.save()
        audit_record(
            actor=by,
            action=AuditEvent.Action.IMPORT,
            obj=batch,
            detail={"rows": batch.row_count, "status": batch.status, "errors": len(errors)},
        )
    return batch


def import_batch_advance(*, batch: ImportBatch, by: User | None, chunk: int = IMPORT_CHUNK) -> ImportBatch:
    """Validate the next chunk of rows; after the last chunk, create every card in one transaction."""
    import json

    from . import importing

    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if batch.status != ImportBatch.Status.VALIDATING:
            return batch
        rows: list[dict[str, str]] = json.loads(batch.payload or "[]")
        offices = importing.office_map()
        today = timezone.localdate()
        end = min(batch.validated + chunk, len(rows))
        errors = list(batch.errors)
        whole = batch.validated == 0 and end >= len(rows)
        parsed_now = []
        for i in range(batch.validated, end):
            parsed_row, problems = importing.parse_row(rows[i], i + 2, offices, today)
            parsed_now.append(parsed_row)
            errors += [{"row": e.row, "column": e.column, "message": e.message} for e in problems]
        batch.validated = end
        errors.sort(key=lambda e: int(e["row"]))  # stable: a row's problems keep their column order
        batch.errors = errors[:MAX_IMPORT_ERRORS]
        fields = ["validated", "errors"]
        if end >= len(rows):
            if errors:
                batch.status = ImportBatch.Status.FAILED
            else:
                # One call that validated everything keeps its parse; chunked validation parses again.
                parsed = (
                    parsed_now
                    if whole
                    else [importing.parse_row(r, i + 2, offices, today)[0] for i, r in enumerate(rows)]
                )
                conflicts = _import_create(batch=batch, parsed=[p for p in parsed if p], by=by)
                # Clashes with cards already registered are found before anything is created.
                batch.errors = conflicts[:MAX_IMPORT_ERRORS]
                batch.status = ImportBatch.Status.FAILED if conflicts else ImportBatch.Status.DONE
            batch.payload = ""
            batch.finished_at = timezone.now()
            fields += ["status", "payload", "finished_at", "created_count", "existing_count"]
            audit_record(
                actor=by,
                action=AuditEvent.Action.IMPORT,
                obj=batch,
                detail={
                    "status": batch.status,
                    "created": batch.created_count,
                    "existing": batch.existing_count,
                    "errors": len(batch.errors),
                },
            )
        batch.save(update_fields=fields)
    return batch


def _import_create(*, batch: ImportBatch, parsed: list, by: User | None) -> list[dict[str, object]]:
    """Create the cards that are new; skip rows already registered identically; report clashes."""
    notices = [p.notice_number for p in parsed]
    apps_ids = [p.application_id for p in parsed]
    by_notice: dict[str, str] = {}
    for part in _chunks(notices):
        by_notice.update(
            Card.objects.filter(notice_number__in=part).values_list("notice_number", "application_id")
        )
    by_app: dict[str, str] = {}
    for part in _chunks(apps_ids):
        by_app.update(
            Card.objects.filter(application_id__in=part).values_list("application_id", "notice_number")
        )
    conflicts: list[dict[str, object]] = []
    new: list[Card] = []
    existing = 0
    for p in parsed:
        known_app = by_notice.get(p.notice_number)
        known_notice = by_app.get(p.application_id)
        if known_app is not None or known_notice is not None:
            if known_app == p.application_id and known_notice == p.notice_number:
                existing += 1  # the same card from an earlier import: idempotent
                continue
            if known_app is not None:
                conflicts.append(
                    {
                        "row": p.line,
                        "column": "交付通知書番号",
                        "message": f"交付通知書番号 {p.notice_number} は別の申請書IDで登録済みです。",
                    }
                )
            else:
                conflicts.append(
                    {
                        "row": p.line,
                        "column": "申請書ID",
                        "message": f"申請書ID {p.application_id} は別の交付通知書番号で登録済みです。",
                    }
                )
            continue
        card = Card(
            notice_number=p.notice_number,
            application_id=p.application_id,
            kind=p.kind,
            method=p.method,
            applicant_name=p.applicant_name,
            applicant_kana=p.applicant_kana,
            address=p.address,
            phone=p.phone,
            birth_date=p.birth_date,
            pickup_office_id=p.office_id,
            myna_assist=p.myna_assist,
            arrived_on=p.arrived_on,
            state=S.RECEIVED,
            import_batch=batch,
        )
        card.refresh_hashes()
        new.append(card)
    if conflicts:
        return conflicts
    now = timezone.now()
    _insert_rows(Card, new, now=now)
    created_ids = dict(Card.objects.filter(import_batch=batch).values_list("notice_number", "pk"))
    _insert_rows(
        CardEvent,
        [
            CardEvent(
                card_id=created_ids[c.notice_number],
                at=now,
                actor=by,
                from_state="",
                to_state=S.RECEIVED,
                note=f"到着一覧の取込（取込No.{batch.pk}）",
            )
            for c in new
        ],
        now=now,
    )
    batch.created_count = len(new)
    batch.existing_count = existing
    return []


def _insert_rows(model: type, objs: list, *, now: datetime.datetime, batch_size: int = 500) -> None:
    """Plain multi-row INSERTs for big imports: Django's bulk_create spends most of its time preparing
    values field by field; here each value is prepared once (encryption included) and sent with executemany."""
    from django.db import connection

    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
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
    *, file_name: str, content: bytes, by: User | None, encoding: str | None = None
) -> ImportBatch:
    """The whole import in one call (command, scheduled jobs, benchmark)."""
    batch = import_batch_start(file_name=file_name, content=content, by=by, encoding=encoding)
    while batch.status == ImportBatch.Status.VALIDATING:
        batch = import_batch_advance(batch=batch, by=by, chunk=10**9)
    return batch


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
        labels = "、".join(str(PostIssuance._meta.get_field(n).verbose_name) for n in missing)
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
        records = list(records.order_by("card__issued_on", "card__notice_number"))
        rows = [
            (
                r.card.notice_number,
                r.card.application_id,
                r.card.issued_on.isoformat() if r.card.issued_on else "",
                r.card.pickup_office.code,
                r.card.get_kind_display(),
                r.card.get_method_display(),
            )
            for r in records
        ]
        content = csv_bytes(EXPORT_COLUMNS, rows, encoding=encoding)
        PostIssuance.objects.filter(pk__in=[r.pk for r in records], exported_at=None).update(
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

"""Bookings to and from the city's other reservation system (CSV in UTF-8 or CP932, or XLSX).

A city that keeps another booking service (e-TUMO and the like) exports its bookings and imports them here, so
the day lists, the pull list, staffing and the monthly report count them; madoguchi's own bookings go the other
way with the same columns. The columns are documented in docs/reservations.md ("他の予約システムとの連携").

Import is **all or nothing**: every row is checked first (type, office, date, time, people, who comes); then all
rows are booked through the one booking engine (`services.appointment_book`, channel 「他の予約システムから取込」)
in ONE transaction — a full time, a closed day, a person already booked in any row rolls every row back, and the
errors name their row and column. It is **idempotent** by the other system's booking id (外部予約ID): a row
already imported (or naming a madoguchi reference code) is skipped, so the same file can be imported twice;
the same id twice in one file is an error. Files of more than `INLINE_ROWS` rows are imported by the job
`reservations.import_bookings`.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from madoguchi.accounts.models import AuditEvent, User
from madoguchi.accounts.services import audit_record
from madoguchi.calendar.models import Office
from madoguchi.cards.services import card_find
from madoguchi.lib.exports import RowError, Table, check_header, csv_bytes, xlsx_bytes
from madoguchi.lib.jdates import parse_date
from madoguchi.lib.privacy import contains_individual_number

from . import services
from .models import AppointmentType, Reservation, Slot

INLINE_ROWS = 200  # more rows than this: a job

ID = "外部予約ID"
TYPE = "種類"
OFFICE = "庁舎"
DATE = "日付"
START = "開始時刻"
PEOPLE = "人数"
NOTICE = "交付通知書番号"
BIRTH = "生年月日"
NAME = "氏名"
PHONE = "電話番号"
EXPIRY = "有効期限通知書番号"
EMAIL = "メールアドレス"
REQUIRED = [ID, TYPE, OFFICE, DATE, START]
OPTIONAL = [PEOPLE, NOTICE, BIRTH, NAME, PHONE, EXPIRY, EMAIL]
# Export adds what madoguchi knows about each booking (ignored by the import: a round trip works).
CODE, STATUS, CHANNEL = "予約番号", "状態", "受付経路"
EXPORT_COLUMNS = [ID, CODE, TYPE, OFFICE, DATE, START, PEOPLE, NOTICE, BIRTH, NAME, PHONE, EXPIRY, EMAIL, STATUS,
                  CHANNEL]  # fmt: skip


@dataclass
class Row:
    line: int  # the row number in the file (the header is row 1)
    external_ref: str
    atype: AppointmentType
    office: Office
    date: datetime.date
    start: datetime.time
    people: int
    notice: str
    birth: datetime.date | None
    name: str
    phone: str
    expiry: str
    email: str


@dataclass
class ImportResult:
    created: int = 0
    skipped: int = 0  # already imported (idempotent)
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _time(value: str) -> datetime.time:
    text = value.strip().replace("：", ":").replace("時", ":").replace("分", "")
    if text.count(":") == 2:  # 09:30:00 from a spreadsheet
        text = text.rsplit(":", 1)[0]
    try:
        hour, minute = (
            (int(part) for part in (text.split(":") + ["0"])[:2]) if ":" in text else (int(text), 0)
        )
        return datetime.time(hour, minute)
    except ValueError:
        raise ValueError("時刻は 9:30 のように書いてください。") from None


def _parse_rows(table: Table) -> tuple[list[Row], list[RowError], int]:
    """Check every row; return the good rows, the errors, and how many rows were imported before."""
    errors = check_header(table, REQUIRED, [*OPTIONAL, CODE, STATUS, CHANNEL])  # an export reads back
    if errors:
        return [], errors, 0
    skipped = 0
    types = list(AppointmentType.objects.all())
    offices = list(Office.objects.all())
    index = {name: i for i, name in enumerate(table.header)}
    rows: list[Row] = []
    seen: dict[str, int] = {}
    ids = [r[index[ID]].strip() for r in table.rows if len(r) > index[ID]]
    existing = set(Reservation.objects.filter(external_ref__in=ids).values_list("external_ref", flat=True))
    existing |= set(
        Reservation.objects.filter(code__in=[i.replace("-", "") for i in ids]).values_list("code", flat=True)
    )
    for n, raw in enumerate(table.rows, start=2):
        values = {name: (raw[i].strip() if i < len(raw) else "") for name, i in index.items()}
        row_errors: list[RowError] = []

        def bad(column: str, message: str, line: int = n, out: list[RowError] = row_errors) -> None:
            out.append(RowError(line, column, message))

        for column, value in values.items():
            if value and contains_individual_number(value):
                bad(column, "個人番号（マイナンバー）は取り込めません。この列から削除してください。")
        ref = values[ID]
        if not ref:
            bad(ID, "入力してください（他システムの予約ID）。")
        elif len(ref) > 64:
            bad(ID, "64文字以内にしてください。")
        elif ref in seen:
            bad(ID, f"{seen[ref]}行目と同じIDです。1つの予約は1行にしてください。")
        else:
            seen[ref] = n
        if ref in existing or ref.replace("-", "") in existing:
            skipped += 1  # imported before (or a madoguchi booking): idempotent
            errors.extend(row_errors)
            continue
        atype, office, day, start, birth = _check_fields(values, types, offices, bad)
        people_text = values.get(PEOPLE, "") or "1"
        if row_errors or atype is None or office is None or day is None or start is None:
            errors.extend(row_errors)
            continue
        rows.append(
            Row(
                line=n,
                external_ref=ref,
                atype=atype,
                office=office,
                date=day,
                start=start,
                people=int(people_text),
                notice=values.get(NOTICE, ""),
                birth=birth,
                name=values.get(NAME, ""),
                phone=values.get(PHONE, ""),
                expiry=values.get(EXPIRY, ""),
                email=values.get(EMAIL, ""),
            )
        )
    return rows, errors, skipped


def _check_fields(
    values: dict[str, str],
    types: list[AppointmentType],
    offices: list[Office],
    bad: Callable[[str, str], None],
) -> tuple[
    AppointmentType | None, Office | None, datetime.date | None, datetime.time | None, datetime.date | None
]:
    """One row's type, office, date, time, people and birth date; each problem is reported with its column."""
    atype = next((t for t in types if values[TYPE] in (t.code, t.name)), None)
    if atype is None:
        names = "、".join(t.name for t in types if t.is_active)
        bad(TYPE, f"「{values[TYPE]}」という予約の種類はありません（{names}、またはそのコード）。")
    office = next((o for o in offices if values[OFFICE] in (o.code, o.name)), None)
    if office is None:
        bad(OFFICE, f"「{values[OFFICE]}」という庁舎はありません。庁舎名かコードを書いてください。")
    try:
        day = parse_date(values[DATE]) if values[DATE] else None
        if day is None:
            bad(DATE, "入力してください。")
    except ValueError as exc:
        day = None
        bad(DATE, str(exc))
    try:
        start = _time(values[START]) if values[START] else None
        if start is None:
            bad(START, "入力してください。")
    except ValueError as exc:
        start = None
        bad(START, str(exc))
    people_text = values.get(PEOPLE, "") or "1"
    if not people_text.isdigit() or int(people_text) < 1:
        bad(PEOPLE, "1以上の整数で書いてください。")
    birth = None
    if values.get(BIRTH):
        try:
            birth = parse_date(values[BIRTH])
        except ValueError as exc:
            bad(BIRTH, str(exc))
    if atype is not None and atype.is_pickup and not (values.get(NOTICE) and values.get(BIRTH)):
        bad(NOTICE, "受け取りの予約には交付通知書番号と生年月日が必要です。")
    return atype, office, day, start, birth


class _RollBack(Exception):
    pass


def bookings_import(
    *,
    table: Table,
    by: User,
    filename: str = "",
    progress: Callable[[int, int], None] | None = None,
) -> ImportResult:
    """Import the other system's bookings, all or nothing (see the module docstring). One audit row."""
    rows, errors, skipped = _parse_rows(table)
    result = ImportResult(errors=errors, skipped=skipped)
    if errors:
        return result
    slots = {
        (s.office_id, s.date, s.start): s
        for s in Slot.objects.filter(office__in={r.office.pk for r in rows}, date__in={r.date for r in rows})
    }
    try:
        with transaction.atomic():
            for i, row in enumerate(rows):
                if progress is not None and i % 50 == 0:
                    progress(i, len(rows))
                slot = slots.get((row.office.pk, row.date, row.start))
                if slot is None:
                    result.errors.append(
                        RowError(row.line, START, f"{row.office.name}の{row.date:%Y-%m-%d} {row.start:%H:%M}"
                                 "に予約枠がありません（休業日か開庁時間外）。")
                    )  # fmt: skip
                    continue
                try:
                    _book(row, slot, by)
                except ValidationError as exc:
                    result.errors.append(RowError(row.line, "", exc.messages[0]))
            if result.errors:
                raise _RollBack
            audit_record(
                actor=by,
                action=AuditEvent.Action.IMPORT,
                object_type="reservations.import",
                detail={"file": filename[:100], "created": len(rows), "skipped": result.skipped},
            )
    except _RollBack:
        return result
    result.created = len(rows)
    return result


def _book(row: Row, slot: Slot, by: User) -> Reservation:
    cards = []
    person = None
    if row.atype.is_pickup:
        card = card_find(notice_number=row.notice, birth_date=row.birth)  # type: ignore[arg-type]
        if card is None:
            raise ValidationError(f"交付通知書番号「{row.notice}」と生年月日に合うカードがありません。")
        cards = [card]
    else:
        person = services.Person(
            name=row.name, birth_date=row.birth, phone=row.phone, expiry_notice_number=row.expiry
        )
    return services.appointment_book(
        appointment_type=row.atype,
        slot=slot,
        by=by,
        channel=Reservation.Channel.IMPORT,
        cards=cards,
        person=person,
        people=row.people,
        email=row.email,
        external_ref=row.external_ref,
        audit_detail={"import": True},
    )


def _iso(value: object) -> str:
    return value.isoformat() if isinstance(value, datetime.date) else ""


def _export_rows(bookings: Iterable[Reservation]) -> Iterable[list[Any]]:
    for r in bookings:
        cards = [link.card for link in r.card_links.all()]
        slot = r.slot
        yield [
            r.external_ref or r.display_code,
            r.display_code,
            r.appointment_type.code if r.appointment_type else "pickup",
            r.office.code,
            r.date.isoformat(),
            f"{slot.start:%H:%M}" if slot else "",
            r.party_size,
            " ".join(c.notice_number for c in cards),
            _iso(cards[0].birth_date) if cards else _iso(r.person_birth_date),
            r.person_name,
            r.person_phone,
            r.expiry_notice_number,
            r.email,
            r.get_status_display(),
            r.get_channel_display(),
        ]


def bookings_export(
    *,
    by: User,
    office: Office | None,
    start: datetime.date,
    end: datetime.date,
    fmt: str,
    encoding: str = "utf-8",
) -> bytes:
    """Active bookings (booked, checked in) from `start` to `end` in the import's columns (+ code, status,
    channel), as CSV (UTF-8 with BOM, or CP932) or XLSX. Personal data: one audit row (export) with the count."""
    qs = (
        Reservation.objects.filter(date__range=(start, end), status__in=[Reservation.Status.BOOKED,
                                                                          Reservation.Status.CHECKED_IN])
        .select_related("office", "slot", "appointment_type")
        .prefetch_related("card_links__card")
        .order_by("date", "slot__start", "code")
    )  # fmt: skip
    if office is not None:
        qs = qs.filter(office=office)
    bookings = list(qs)
    audit_record(
        actor=by,
        action=AuditEvent.Action.EXPORT,
        object_type="reservations.export",
        detail={"office": office.code if office else "", "start": start.isoformat(), "end": end.isoformat(),
                "rows": len(bookings), "format": fmt},
    )  # fmt: skip
    rows = list(_export_rows(bookings))
    if fmt == "xlsx":
        return xlsx_bytes("予約", EXPORT_COLUMNS, rows)
    return csv_bytes(EXPORT_COLUMNS, rows, encoding=encoding)

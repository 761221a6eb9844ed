"""Arrival list parsing: columns, per-row validation (row, column, reason in Japanese). No writes here.
Messages name the row and column, never the cell value (they are stored with the batch, unencrypted).

Columns (header row, Japanese names; order free) are documented in docs/cards.md.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from typing import Any

from madoguchi.calendar.models import Office
from madoguchi.lib.exports import RowError
from madoguchi.lib.jdates import parse_date
from madoguchi.lib.privacy import contains_individual_number
from madoguchi.lib.text import nfkc, normalize_key

from .models import Card

COL_NOTICE = "交付通知書番号"
COL_APPLICATION = "申請書ID"
COL_NAME = "氏名"
COL_KANA = "氏名カナ"
COL_BIRTH = "生年月日"
COL_OFFICE = "受取庁舎"
COL_ARRIVED = "到着日"
COL_KIND = "種別"
COL_METHOD = "申請方式"
COL_ADDRESS = "住所"
COL_PHONE = "電話番号"
COL_ASSIST = "マイナ・アシスト"

REQUIRED = (COL_NOTICE, COL_APPLICATION, COL_NAME, COL_KANA, COL_BIRTH, COL_OFFICE, COL_ARRIVED)
OPTIONAL = (COL_KIND, COL_METHOD, COL_ADDRESS, COL_PHONE, COL_ASSIST)
ALL_COLUMNS = REQUIRED + OPTIONAL

_NOTICE_RE = re.compile(r"^[A-Z0-9]{6,20}$")
_APPLICATION_RE = re.compile(r"^[0-9]{23}$")
_PHONE_RE = re.compile(r"^[0-9()\-]{6,15}$")
_TRUE = {"1", "true", "yes", "はい", "有", "あり", "○", "〇", "済"}
_FALSE = {"", "0", "false", "no", "いいえ", "無", "なし", "×", "-"}


def _choice_map(choices: type[Any]) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for value, label in choices.choices:
        mapping[value] = value
        mapping[nfkc(str(label))] = value
    return mapping


KIND_MAP = _choice_map(Card.Kind) | {"券面変更": Card.Kind.DETAILS_CHANGE, "特急": Card.Kind.EXPRESS}
METHOD_MAP = _choice_map(Card.Method) | {
    "交付時来庁": Card.Method.COLLECT_AT_COUNTER,
    "申請時来庁": Card.Method.APPLY_AT_COUNTER,
}


@dataclass
class ParsedRow:
    line: int
    notice_number: str
    application_id: str
    applicant_name: str
    applicant_kana: str
    birth_date: datetime.date
    office_id: int
    arrived_on: datetime.date
    kind: str
    method: str
    address: str
    phone: str
    myna_assist: bool


def office_map() -> dict[str, int]:
    """Offices by code and by name (NFKC, no spaces)."""
    result: dict[str, int] = {}
    for office in Office.objects.all():
        result[normalize_key(office.code)] = office.pk
        result[normalize_key(office.name)] = office.pk
    return result


# A cell holding an individual number is replaced by this before the parsed rows are stored (even encrypted):
# the row is then reported as an error at its row and column, and the number itself is never kept.
REDACTED = "［個人番号のため削除］"


def redact_individual_numbers(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    return [
        {col: (REDACTED if contains_individual_number(value) else value) for col, value in row.items()}
        for row in rows
    ]


def parse_row(
    values: dict[str, str], line: int, offices: dict[str, int], today: datetime.date
) -> tuple[ParsedRow | None, list[RowError]]:
    errors: list[RowError] = []

    def err(col: str, message: str) -> None:
        errors.append(RowError(line, col, message))

    for col in ALL_COLUMNS:
        if values.get(col, "") == REDACTED or contains_individual_number(values.get(col, "")):
            err(
                col,
                "個人番号（マイナンバー）と思われる12桁の数字が含まれています。マイナンバーは取り込めません。",
            )
    if errors:
        return None, errors
    for col in REQUIRED:
        if not values.get(col, "").strip():
            err(col, "入力されていません。")

    notice = normalize_key(values.get(COL_NOTICE, ""))
    if notice and not _NOTICE_RE.match(notice):
        err(COL_NOTICE, "交付通知書番号の形式（英数字6〜20文字）ではありません。")
    application = re.sub(r"[\s\-]", "", nfkc(values.get(COL_APPLICATION, "")))
    if application and not _APPLICATION_RE.match(application):
        if "E+" in application.upper():
            err(COL_APPLICATION, "申請書IDが指数表記になっています（Excel では列を文字列にしてください）。")
        elif not application.isdigit():
            err(COL_APPLICATION, "申請書IDに数字以外の文字が含まれています（23桁の数字）。")
        else:
            err(COL_APPLICATION, f"申請書IDは23桁の数字です（{len(application)}桁でした）。")

    def date_of(col: str) -> datetime.date | None:
        raw = values.get(col, "").strip()
        if not raw:
            return None
        try:
            return parse_date(raw[:10] if re.match(r"^\d{4}-\d{2}-\d{2}T", raw) else raw)
        except ValueError as exc:
            err(col, str(exc))
            return None

    birth = date_of(COL_BIRTH)
    if birth and not (datetime.date(1900, 1, 1) <= birth <= today):
        err(COL_BIRTH, "生年月日が未来または1900年より前です。")
    arrived = date_of(COL_ARRIVED)
    if arrived and arrived > today + datetime.timedelta(days=7):
        err(COL_ARRIVED, "到着日が先の日付です。")

    office_raw = values.get(COL_OFFICE, "")
    office_id = offices.get(normalize_key(office_raw)) if office_raw else None
    if office_raw and office_id is None:
        err(COL_OFFICE, "その庁舎はありません（庁舎コードまたは名称）。")

    kind_raw = nfkc(values.get(COL_KIND, "")).strip()
    kind = KIND_MAP.get(kind_raw) if kind_raw else Card.Kind.NEW
    if kind is None:
        err(COL_KIND, f"種別として使えない値です（{'、'.join(Card.Kind.labels)}）。")
    method_raw = nfkc(values.get(COL_METHOD, "")).strip()
    method = METHOD_MAP.get(method_raw) if method_raw else Card.Method.COLLECT_AT_COUNTER
    if method is None:
        err(COL_METHOD, f"申請方式として使えない値です（{'、'.join(Card.Method.labels)}）。")

    phone = nfkc(values.get(COL_PHONE, "")).strip()
    if phone and not _PHONE_RE.match(phone.replace(" ", "")):
        err(COL_PHONE, "電話番号として読めません。")
    assist_raw = nfkc(values.get(COL_ASSIST, "")).strip().lower()
    if assist_raw not in _TRUE | _FALSE:
        err(COL_ASSIST, "「はい」「いいえ」（または1/0）で入力してください。")

    name = nfkc(values.get(COL_NAME, "")).strip()
    kana = values.get(COL_KANA, "").strip()
    if len(name) > 100:
        err(COL_NAME, "氏名が長すぎます（100文字まで）。")
    if errors:
        return None, errors
    assert birth and arrived and office_id and kind and method
    return (
        ParsedRow(
            line=line,
            notice_number=notice,
            application_id=application,
            applicant_name=name,
            applicant_kana=nfkc(kana),
            birth_date=birth,
            office_id=office_id,
            arrived_on=arrived,
            kind=kind,
            method=method,
            address=values.get(COL_ADDRESS, "").strip(),
            phone=phone,
            myna_assist=assist_raw in _TRUE,
        ),
        [],
    )


def check_encoding(content: bytes, file_name: str, encoding: str | None) -> None:
    """CP932 decodes most UTF-8 bytes without error (into mojibake): catch a UTF-8 file read as CP932."""
    if not file_name.lower().endswith((".csv", ".txt")) or (encoding or "").lower() not in {
        "cp932",
        "shift_jis",
    }:
        return
    if content.isascii():
        return
    try:
        content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return
    raise ValueError(
        "このファイルは UTF-8 で保存されているようです。文字コードに「UTF-8」か「自動判別」を選んでください。"
    )


def header_errors(header: list[str]) -> list[RowError]:
    from madoguchi.lib.exports import Table, check_header

    return check_header(Table(header=header, rows=[]), REQUIRED, OPTIONAL)


def row_dicts(header: list[str], rows: list[list[str]]) -> tuple[list[dict[str, str]], list[RowError]]:
    """Rows as {column: value}; a row with more cells than the header is an error (extra column)."""
    result: list[dict[str, str]] = []
    errors: list[RowError] = []
    width = len(header)
    for i, row in enumerate(rows):
        line = i + 2
        if len(row) > width and any(v.strip() for v in row[width:]):
            errors.append(
                RowError(line, "", f"見出しより多い{len(row)}列の値があります（見出しは{width}列）。")
            )
        result.append({header[j]: (row[j] if j < len(row) else "") for j in range(width)})
    return result, errors


def duplicate_errors(rows: list[dict[str, str]]) -> list[RowError]:
    """The same notice number or application ID twice in one file."""
    errors: list[RowError] = []
    for col, norm in ((COL_NOTICE, normalize_key), (COL_APPLICATION, lambda v: re.sub(r"\D", "", nfkc(v)))):
        first: dict[str, int] = {}
        for i, values in enumerate(rows):
            key = norm(values.get(col, ""))
            if not key:
                continue
            if key in first:
                errors.append(RowError(i + 2, col, f"{first[key]}行目と同じ値です（ファイル内で重複）。"))
            else:
                first[key] = i + 2
    return errors

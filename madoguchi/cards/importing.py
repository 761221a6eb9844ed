"""Arrival list parsing: columns, per-row validation (row, column, reason in Japanese). No writes here.

Columns (header row, Japanese names; order free) are documented in docs/cards.md.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from madoguchi.calendar.models import Office
from madoguchi.lib.exports import RowError
from madoguchi.lib.jdates import ERAS, format_wareki, parse_date
from madoguchi.lib.privacy import contains_individual_number
from madoguchi.lib.text import nfkc, normalize_key

from .glyphs import missing_glyphs
from .intake import hidden_characters
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
_KANA_RE = re.compile(r"^[\u3041-\u3096\u309d-\u309f\u30a1-\u30fa\u30fc-\u30ffA-Za-z\s・,.=＝ー\-－]+$")
MAX_AGE = 120
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
    gaiji_note: str = ""


def office_map() -> dict[str, int]:
    """Offices by code and by name (NFKC, no spaces)."""
    result: dict[str, int] = {}
    for office in Office.objects.all():
        result[normalize_key(office.code)] = office.pk
        result[normalize_key(office.name)] = office.pk
    return result


_ERA_YEAR_RE = re.compile(r"^(令和|平成|昭和|大正|明治|[RHSTM])\.?\s*(元|\d{1,2})\s*[年./\-]")
_ERA_END = {
    # The last day of each era: 平成32年 or 昭和65年 never existed, even though the western date does.
    name: end - datetime.timedelta(days=1)
    for (name, _start, _initial), (_next, end, _i) in zip(ERAS[1:], ERAS[:-1], strict=True)
}
_ERA_INITIAL = {initial: name for name, _start, initial in ERAS}
IDENTIFIER_COLUMNS = (COL_NOTICE, COL_APPLICATION, COL_BIRTH, COL_ARRIVED, COL_OFFICE, COL_PHONE)


def _date_problem(raw: str) -> tuple[datetime.date | None, str]:
    """(date, "") or (None, reason). The reason never repeats the value (it may be a birth date)."""
    text = nfkc(raw).strip()
    if re.match(r"^\d{4}-\d{2}-\d{2}T", text):
        text = text[:10]
    try:
        value = parse_date(text)
    except ValueError as exc:
        if "存在しない" in str(exc):
            return None, "存在しない日付です（月・日を確認してください）。"
        return None, "日付として読めません（例: 2026-04-01、2026/4/1、令和8年4月1日）。"
    era = _ERA_YEAR_RE.match(text)
    if era:
        name = _ERA_INITIAL.get(era.group(1), era.group(1))
        end = _ERA_END.get(name)
        if end is not None and value > end:
            return None, (
                f"{name}{era.group(2)}年は存在しません（{name}は{format_wareki(end)}まで）。和暦の年を確認してください。"
            )
    return value, ""


def kana_ok(kana: str) -> bool:
    """Kana (katakana or hiragana, full or half width), spaces and the few signs names use."""
    return bool(_KANA_RE.match(nfkc(kana)))


def phone_ok(phone: str) -> bool:
    return bool(_PHONE_RE.match(nfkc(phone).replace(" ", "")))


def gaiji_reason(column: str, value: str) -> str:
    """Why a name or address needs checking against the paper (外字), or "" (code points only)."""
    return _needs_gaiji_check(column, value)


def _needs_gaiji_check(column: str, value: str) -> str:
    """Why a name needs checking against the paper (外字), or ""; names the code point, not the name."""
    for char in value:
        if char == "〓":
            return f"{column}に〓（外字の代替）があります"
        if unicodedata.category(char) == "Co":
            return f"{column}に外字（私用領域 U+{ord(char):04X}）があります"
    missing = missing_glyphs(value)
    if missing:
        return f"{column}に印刷できない文字（{'、'.join(f'U+{ord(c):04X}' for c in missing[:3])}）があります"
    return ""


def parse_row(  # noqa: C901 - one flat check per column, in the documented column order, so each refusal names its row and column
    values: dict[str, str], line: int, offices: dict[str, int], today: datetime.date
) -> tuple[ParsedRow | None, list[RowError]]:
    """One row checked as a careful clerk would. Names and kana are kept exactly as given; only the
    lookup keys (notice number, application ID, kana hash) are normalised. Messages name the row and
    column and never repeat the cell (personal data)."""
    errors: list[RowError] = []

    def err(col: str, message: str) -> None:
        errors.append(RowError(line, col, message))

    for col in ALL_COLUMNS:
        value = values.get(col, "")
        if not value:
            continue
        if contains_individual_number(value):
            err(
                col,
                "個人番号（マイナンバー）と思われる12桁の数字が含まれています。マイナンバーは取り込めません。",
            )
            continue
        hidden = hidden_characters(value)
        if hidden:
            err(col, hidden + "。元のデータを確認してください。")
    if errors:
        return None, errors
    for col in REQUIRED:
        if not values.get(col, "").strip():
            err(col, "入力されていません。")

    raw_notice = values.get(COL_NOTICE, "")
    notice = normalize_key(raw_notice)
    if notice and not _NOTICE_RE.match(notice):
        err(COL_NOTICE, f"交付通知書番号の形式（英数字6〜20文字）ではありません（{len(notice)}文字）。")
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
        value, problem = _date_problem(raw)
        if problem:
            err(col, problem)
        return value

    birth = date_of(COL_BIRTH)
    if birth:
        age = today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))
        if birth > today:
            err(COL_BIRTH, "生年月日が未来の日付です。")
        elif age > MAX_AGE:
            err(COL_BIRTH, f"生年月日から{age}歳になります（{MAX_AGE}歳まで）。年・元号を確認してください。")
    arrived = date_of(COL_ARRIVED)
    if arrived and arrived > today + datetime.timedelta(days=7):
        err(COL_ARRIVED, "到着日が先の日付です。")
    elif arrived and arrived < today - datetime.timedelta(days=3 * 365):
        err(COL_ARRIVED, "到着日が3年以上前です。日付を確認してください。")
    if birth and arrived and birth > arrived:
        err(COL_BIRTH, "生年月日が到着日より後です。")

    office_raw = values.get(COL_OFFICE, "")
    office_id = offices.get(normalize_key(office_raw)) if office_raw else None
    if office_raw and office_id is None:
        err(COL_OFFICE, "その庁舎はありません（庁舎コードまたは名称で入力してください）。")

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
        err(COL_PHONE, "電話番号として読めません（数字とハイフン、6〜15文字）。")
    assist_raw = nfkc(values.get(COL_ASSIST, "")).strip().lower()
    if assist_raw not in _TRUE | _FALSE:
        err(COL_ASSIST, "「はい」「いいえ」（または1/0）で入力してください。")

    name = values.get(COL_NAME, "").strip()
    kana = values.get(COL_KANA, "").strip()
    if len(name) > 100:
        err(COL_NAME, "氏名が長すぎます（100文字まで）。")
    if len(kana) > 100:
        err(COL_KANA, "氏名カナが長すぎます（100文字まで）。")
    if kana and not _KANA_RE.match(nfkc(kana)):
        err(COL_KANA, "カナ以外の文字が含まれています（カタカナ・ひらがなと空白）。")
    address = values.get(COL_ADDRESS, "").strip()
    if len(address) > 300:
        err(COL_ADDRESS, "住所が長すぎます（300文字まで）。")
    if errors:
        return None, errors
    assert birth and arrived and office_id and kind and method
    gaiji = "、".join(
        reason
        for reason in (_needs_gaiji_check(COL_NAME, name), _needs_gaiji_check(COL_ADDRESS, address))
        if reason
    )
    return (
        ParsedRow(
            line=line,
            notice_number=notice,
            application_id=application,
            applicant_name=name,
            applicant_kana=kana,
            birth_date=birth,
            office_id=office_id,
            arrived_on=arrived,
            kind=kind,
            method=method,
            address=address,
            phone=phone,
            myna_assist=assist_raw in _TRUE,
            gaiji_note=gaiji[:200],
        ),
        [],
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

"""CSV/XLSX export and tolerant tabular import (UTF-8 with or without BOM, CP932), shared by every app."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpResponse

ENCODINGS = {"utf-8": "UTF-8", "cp932": "Shift_JIS (CP932)"}


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[Any]], *, encoding: str = "utf-8") -> bytes:
    """CSV as bytes; UTF-8 gets a BOM so Excel opens it as UTF-8. CP932 replaces nothing: it fails loudly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    text = buffer.getvalue()
    if encoding == "cp932":
        return text.encode("cp932")
    return ("\ufeff" + text).encode("utf-8")


def xlsx_bytes(sheet_title: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook(write_only=False)
    ws = wb.active
    ws.title = sheet_title[:31]
    ws.append(list(header))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append(list(row))
    ws.freeze_panes = "A2"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def download(content: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    # RFC 5987 so Japanese file names survive.
    from urllib.parse import quote

    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


@dataclass
class RowError:
    row: int  # 1-based row number as the user sees it in the file (header is row 1)
    column: str
    message: str

    def __str__(self) -> str:
        where = f"{self.row}行目" + (f"「{self.column}」列" if self.column else "")
        return f"{where}: {self.message}"


@dataclass
class Table:
    header: list[str]
    rows: list[list[str]]  # data rows; row i is file row i + 2
    errors: list[RowError] = field(default_factory=list)


def decode_text(data: bytes, encoding: str | None = None) -> str:
    """Decode uploaded CSV bytes. With no encoding given: UTF-8 (BOM or not), else CP932."""
    if encoding:
        codec = "utf-8-sig" if encoding.lower().replace("_", "-") in {"utf-8", "utf8"} else encoding
        try:
            return data.decode(codec)
        except UnicodeDecodeError as exc:
            raise ValueError(
                f"ファイルを {ENCODINGS.get(encoding.lower(), encoding)} として読めません"
                f"（{exc.start + 1}バイト目）。文字コードを確認してください。"
            ) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp932")
    except UnicodeDecodeError:
        raise ValueError(
            "文字コードを判別できません。UTF-8 または Shift_JIS (CP932) で保存してください。"
        ) from None


def read_table(data: bytes, filename: str, *, encoding: str | None = None) -> Table:
    """Read a CSV or XLSX upload into strings. Raises ValueError (Japanese) if the file itself is unreadable."""
    name = filename.lower()
    if name.endswith(".xlsx"):
        from openpyxl import load_workbook
        from openpyxl.utils.exceptions import InvalidFileException

        try:
            wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError):  # not an XLSX file
            raise ValueError(
                "XLSX ファイルとして読めません。ファイルが壊れていないか確認してください。"
            ) from None
        ws = wb.worksheets[0]
        values = [
            ["" if v is None else (v.isoformat() if hasattr(v, "isoformat") else str(v)) for v in row]
            for row in ws.iter_rows(values_only=True)
        ]
        wb.close()
    elif name.endswith(".csv") or name.endswith(".txt"):
        text = decode_text(data, encoding)
        values = list(csv.reader(io.StringIO(text)))
    else:
        raise ValueError("CSV (.csv) または Excel (.xlsx) のファイルを選んでください。")
    # Drop trailing empty rows (Excel leaves them).
    while values and not any(str(v).strip() for v in values[-1]):
        values.pop()
    if not values:
        raise ValueError("ファイルが空です。1行目に見出しが必要です。")
    header = [str(h).strip().lstrip("\ufeff") for h in values[0]]
    return Table(header=header, rows=[[str(v).strip() for v in row] for row in values[1:]])


def check_header(table: Table, required: Sequence[str], optional: Sequence[str] = ()) -> list[RowError]:
    """Missing and unknown columns, as row-1 errors."""
    errors = []
    known = set(required) | set(optional)
    for col in required:
        if col not in table.header:
            errors.append(RowError(1, col, "必須の列がありません。"))
    for col in table.header:
        if col and col not in known:
            errors.append(RowError(1, col, "不明な列です。列名を確認してください。"))
    seen: set[str] = set()
    for col in table.header:
        if col in seen:
            errors.append(RowError(1, col, "同じ列名が2回あります。"))
        seen.add(col)
    return errors

"""Reading an arrival list as the person who made it sees it: real file type, encoding, separator, sheet,
number formats, title and totals rows — streamed, within a stated size. No writes, no Django models.

`open_source()` either returns a `Source` whose `rows()` yields `(row number as the user sees it, cells)`,
or raises `FileRefused` with a Japanese message that names what was detected (type, encoding, separator,
line). Messages never repeat cell values: a cell may hold personal data.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

ENCODING_LABELS = {"utf-8": "UTF-8", "cp932": "Shift_JIS (CP932)", "utf-16": "UTF-16"}
DELIMITER_LABELS = {",": "カンマ（,）", "\t": "タブ", ";": "セミコロン（;）", "|": "縦棒（|）"}
_TOTAL_RE = re.compile(r"^\s*(合計|総計|小計|計|件数|以上)\s*[:：]?")


def max_bytes() -> int:
    return int(getattr(settings, "MADOGUCHI_CARD_IMPORT_MAX_BYTES", 30 * 1024 * 1024))


def max_rows() -> int:
    return int(getattr(settings, "MADOGUCHI_CARD_IMPORT_MAX_ROWS", 100_000))


class FileRefused(ValueError):
    """The file as a whole cannot be read; the message (Japanese) says what was found and what to do."""


@dataclass
class Source:
    kind: str  # "csv" or "xlsx"
    header: list[str]
    header_row: int  # 1-based row of the header as the user sees it
    encoding: str = ""  # label, for CSV
    delimiter: str = ""  # for CSV
    sheet: str = ""  # for XLSX
    sheets: list[str] = field(default_factory=list)  # visible sheets, for XLSX
    notes: list[str] = field(default_factory=list)  # what was recognised (shown on the batch page)
    _rows: Any = None  # iterator factory

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        """Data rows after the header: (row number, cells); blank rows and totals rows are skipped."""
        for number, cells in self._rows():
            if not any(c.strip() for c in cells):
                continue
            if _is_totals(cells):
                self.notes.append(f"{number}行目は合計行として読み飛ばしました。")
                continue
            yield number, cells

    @property
    def description(self) -> str:
        if self.kind == "xlsx":
            return f"Excel（シート「{self.sheet}」）"
        return f"CSV（文字コード {self.encoding}、区切り文字 {DELIMITER_LABELS.get(self.delimiter, self.delimiter)}）"


def _is_totals(cells: Sequence[str]) -> bool:
    first = next((c for c in cells if c.strip()), "")
    return bool(_TOTAL_RE.match(first))


def _line_of(content: bytes, offset: int) -> int:
    return content.count(b"\n", 0, offset) + 1


# -- file type -----------------------------------------------------------------------------------


def sniff_kind(content: bytes, file_name: str) -> str:
    """The real type whatever the extension: "xlsx", "csv"; raises FileRefused for others."""
    head = content[:8]
    if head.startswith(b"PK\x03\x04"):
        try:
            names = set(zipfile.ZipFile(io.BytesIO(content)).namelist())
        except (zipfile.BadZipFile, OSError, ValueError):
            raise FileRefused(
                "ZIP 形式のファイルが壊れています。Excel で開いて保存し直してください。"
            ) from None
        if "xl/workbook.xml" in names:
            return "xlsx"
        if any(n.startswith("word/") for n in names):
            raise FileRefused("Word 文書です。到着一覧の Excel (.xlsx) か CSV を選んでください。")
        raise FileRefused(
            "Excel (.xlsx) ではない ZIP ファイルです。到着一覧の Excel か CSV を選んでください。"
        )
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        if "EncryptionInfo".encode("utf-16-le") in content or b"EncryptedPackage" in content.replace(
            b"\0", b""
        ):
            raise FileRefused(
                "パスワードで保護された Excel ファイルです。Excel でパスワードを解除して保存し直してから取り込んでください。"
            )
        raise FileRefused(
            "古い Excel 形式（.xls、Excel 97-2003）です。Excel で「Excel ブック (.xlsx)」か CSV として保存し直してください。"
        )
    if head.startswith(b"%PDF"):
        raise FileRefused("PDF ファイルです。到着一覧の Excel (.xlsx) か CSV を選んでください。")
    if head.startswith((b"\x89PNG", b"\xff\xd8\xff", b"GIF8")):
        raise FileRefused("画像ファイルです。到着一覧の Excel (.xlsx) か CSV を選んでください。")
    return "csv"


# -- CSV -------------------------------------------------------------------------------------------


def decode(content: bytes, encoding: str | None) -> tuple[str, str]:
    """(text, label). With no encoding: UTF-16 by its BOM, UTF-8 (BOM or not), else CP932."""
    wanted = (encoding or "").lower().replace("_", "-")
    if wanted in {"shift-jis", "sjis"}:
        wanted = "cp932"
    if content.startswith((b"\xff\xfe", b"\xfe\xff")) and wanted in {"", "utf-16"}:
        try:
            return content.decode("utf-16"), ENCODING_LABELS["utf-16"]
        except UnicodeDecodeError as exc:
            raise FileRefused(
                f"UTF-16 として読めない箇所があります（{exc.start + 1}バイト目）。UTF-8 の CSV で保存し直してください。"
            ) from None
    if wanted in {"utf-8", "utf8"}:
        return _strict(content, "utf-8-sig", "utf-8"), ENCODING_LABELS["utf-8"]
    if wanted == "cp932":
        if not content.isascii():
            try:
                content.decode("utf-8-sig")
            except UnicodeDecodeError:
                pass
            else:
                raise FileRefused(
                    "このファイルは UTF-8 で保存されているようです。文字コードに「UTF-8」か「自動判別」を選んでください。"
                )
        return _strict(content, "cp932", "cp932"), ENCODING_LABELS["cp932"]
    if wanted:
        raise FileRefused(f"文字コード「{encoding}」には対応していません（UTF-8 または Shift_JIS）。")
    bom = 3 if content.startswith(b"\xef\xbb\xbf") else 0
    try:
        return content[bom:].decode("utf-8"), ENCODING_LABELS["utf-8"]
    except UnicodeDecodeError as utf8_error:
        utf8_at = utf8_error.start + bom
        try:
            return content.decode("cp932"), ENCODING_LABELS["cp932"]
        except UnicodeDecodeError as cp932_error:
            raise FileRefused(
                "文字コードを判別できません: UTF-8 としては"
                f"{_line_of(content, utf8_at)}行目（{utf8_at + 1}バイト目）、Shift_JIS (CP932) としては"
                f"{_line_of(content, cp932_error.start)}行目（{cp932_error.start + 1}バイト目）で読めない文字があります。"
                "UTF-8 または Shift_JIS で保存し直してください。"
            ) from None


def _strict(content: bytes, codec: str, key: str) -> str:
    try:
        return content.decode(codec)
    except UnicodeDecodeError as exc:
        raise FileRefused(
            f"ファイルを {ENCODING_LABELS[key]} として読めません（{_line_of(content, exc.start)}行目、"
            f"{exc.start + 1}バイト目）。文字コードの選択を確認してください（「自動判別」も選べます）。"
        ) from None


def _csv_rows(text: str, delimiter: str) -> Iterator[list[str]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error:
            raise FileRefused(
                f'{reader.line_num}行目付近の引用符（"）の使い方が CSV として読めません。'
                'セルの中の " は "" と二つ重ねてください。'
            ) from None
        yield row


def _find_header(
    rows: list[list[str]], known: Sequence[str], min_known: int = 3
) -> tuple[int, list[str]] | None:
    """The first row (of the first few) that holds at least `min_known` known column names."""
    names = {header_key(k) for k in known}
    for index, row in enumerate(rows):
        if sum(1 for cell in row if header_key(cell) in names) >= min(min_known, len(names)):
            return index, row
    return None


def header_key(value: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(value))).lstrip("\ufeff")


def _first_filled(rows: list[list[str]]) -> tuple[int, list[str]] | None:
    return next(((i, r) for i, r in enumerate(rows) if any(c.strip() for c in r)), None)


FIRST_ROW_NOTE = (
    "見出し行を判別できなかったため、最初の行を見出しとして読みました。列の対応を確認してください。"
)


def _open_csv(content: bytes, encoding: str | None, known: Sequence[str], any_header: bool = False) -> Source:
    text, label = decode(content, encoding)
    if text.startswith("\ufeff"):
        text = text[1:]
    head_lines = text[:65536]
    best: tuple[int, str, int, list[str]] | None = None
    for delimiter in (",", "\t", ";", "|"):
        try:
            sample = [row for _, row in zip(range(20), _csv_rows(head_lines, delimiter), strict=False)]
        except FileRefused:
            continue
        found = _find_header(sample, known)
        if found is None:
            continue
        index, header = found
        score = sum(1 for cell in header if header_key(cell) in {header_key(k) for k in known})
        if best is None or score > best[2]:
            best = (index, delimiter, score, header)
    if best is None:
        first = next((line for line in text.splitlines() if line.strip()), "")
        if not first:
            raise FileRefused("ファイルが空です。1行目に見出しが必要です。")
        delimiter = max((",", "\t", ";", "|"), key=first.count)
        sample = [r for _, r in zip(range(20), _csv_rows(head_lines, delimiter), strict=False)]
        filled = _first_filled(sample) if any_header else None
        if filled is not None:
            best = (filled[0], delimiter, 0, filled[1])
    if best is None:
        raise FileRefused(
            f"見出し行が見つかりません（文字コード {label}、区切り文字 {DELIMITER_LABELS[delimiter]}として読みました）。"
            f"見出しには「{'」「'.join(known[:3])}」などの列名が必要です。取込の設定（取込元）も確認してください。"
        )
    index, delimiter, _score, header = best
    notes = [f"CSV として読みました（文字コード {label}、区切り文字 {DELIMITER_LABELS[delimiter]}）。"]
    if best[2] == 0:
        notes.append(FIRST_ROW_NOTE)
    if index:
        notes.append(f"1〜{index}行目は表題として読み飛ばしました。")

    def rows() -> Iterator[tuple[int, list[str]]]:
        number = 0
        for number, row in enumerate(_csv_rows(text, delimiter), start=1):
            if number <= index + 1:
                continue
            yield number, row

    return Source(
        kind="csv",
        header=[header_key(h) for h in header],
        header_row=index + 1,
        encoding=label,
        delimiter=delimiter,
        notes=notes,
        _rows=rows,
    )


# -- XLSX ------------------------------------------------------------------------------------------

_ZERO_PAD_RE = re.compile(r'^(?:"[^"]*")?(0+)(?:"[^"]*")?$')


def cell_text(value: Any, number_format: str = "General") -> str:
    """A cell's value as Excel shows it, for identifiers and dates: zero-padded formats keep their zeros,
    whole numbers have no ".0", dates are ISO. A number too big to be exact (a 23-digit ID typed as a
    number) becomes its exponent form, which validation refuses with the reason."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int | float):
        if isinstance(value, float) and not value.is_integer():
            return repr(value)
        number = int(value)
        if abs(number) >= 2**53:
            return f"{value:.6E}"
        fmt = (number_format or "General").split(";")[0]
        match = _ZERO_PAD_RE.match(fmt)
        if match:
            digits = str(abs(number)).zfill(len(match.group(1)))
            literal = re.findall(r'"([^"]*)"', fmt)
            prefix = literal[0] if literal and fmt.startswith('"') else ""
            suffix = literal[-1] if literal and fmt.endswith('"') else ""
            return f"{'-' if number < 0 else ''}{prefix}{digits}{suffix}"
        return str(number)
    return str(value)


def workbook_sheets(content: bytes) -> list[str]:
    """Visible sheet names of an XLSX (for the sheet picker); [] when it is not an XLSX."""
    if sniff_kind(content, "") != "xlsx":
        return []
    wb = _load_workbook(content)
    try:
        return [ws.title for ws in wb.worksheets if ws.sheet_state == "visible"]
    finally:
        wb.close()


def _load_workbook(content: bytes) -> Any:
    from openpyxl import load_workbook

    try:
        return load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 (openpyxl raises many kinds for a broken file; all mean the same here)
        raise FileRefused(
            "Excel (.xlsx) ファイルとして読めません。ファイルが壊れていないか確認してください。"
        ) from None


def _open_xlsx(content: bytes, sheet: str | None, known: Sequence[str], any_header: bool = False) -> Source:
    wb = _load_workbook(content)
    visible = [ws for ws in wb.worksheets if ws.sheet_state == "visible"]
    if not visible:
        raise FileRefused("表示されているシートがありません。")
    notes: list[str] = []
    if sheet:
        ws = next((w for w in wb.worksheets if w.title == sheet), None)
        if ws is None:
            raise FileRefused(f"シート「{sheet}」がありません（{'、'.join(w.title for w in visible)}）。")
    else:
        active = wb.active
        ws = active if active in visible else visible[0]
    others = [w.title for w in visible if w is not ws]
    notes.append(
        f"Excel のシート「{ws.title}」を読みました"
        + (f"（ほかのシート: {'、'.join(others)}。別のシートは取込画面で選べます）。" if others else "。")
    )
    # The file's own dimension record may be wrong (some exporters write A1:A1): read every row there is.
    ws.reset_dimensions()

    def raw_rows() -> Iterator[tuple[int, list[str]]]:
        for number, row in enumerate(ws.iter_rows(), start=1):
            yield (
                number,
                [cell_text(c.value, getattr(c, "number_format", "General")).strip() for c in row],
            )

    head: list[tuple[int, list[str]]] = []
    for item in raw_rows():
        head.append(item)
        if len(head) >= 20:
            break
    found = _find_header([cells for _, cells in head], known)
    if found is None and any_header:
        found = _first_filled([cells for _, cells in head])
        if found is not None:
            notes.append(FIRST_ROW_NOTE)
    if found is None:
        raise FileRefused(
            f"シート「{ws.title}」に見出し行が見つかりません。見出しには「{'」「'.join(known[:3])}」などの列名が必要です。"
            + (f" ほかのシート（{'、'.join(others)}）を選んでください。" if others else "")
        )
    index, header = found
    if index:
        notes.append(f"1〜{index}行目は表題として読み飛ばしました。")

    def rows() -> Iterator[tuple[int, list[str]]]:
        try:
            for number, cells in raw_rows():
                if number > index + 1:
                    yield number, cells
        finally:
            wb.close()

    return Source(
        kind="xlsx",
        header=[header_key(h) for h in header],
        header_row=index + 1,
        sheet=ws.title,
        sheets=[w.title for w in visible],
        notes=notes,
        _rows=rows,
    )


def open_source(
    content: bytes,
    file_name: str,
    *,
    known_columns: Sequence[str],
    encoding: str | None = None,
    sheet: str | None = None,
    any_header: bool = False,
) -> Source:
    """Open an upload whatever its extension says; raise FileRefused with what was found. With `any_header`
    (the preview, where a person maps the columns) a file whose headings none of `known_columns` match is
    read with its first filled row as the headings."""
    if len(content) > max_bytes():
        raise FileRefused(
            f"ファイルが大きすぎます（{len(content) / 1024 / 1024:.1f} MB、上限 {max_bytes() / 1024 / 1024:.0f} MB）。"
            "分けて取り込んでください。"
        )
    if not content.strip():
        raise FileRefused("ファイルが空です。1行目に見出しが必要です。")
    kind = sniff_kind(content, file_name)
    lower = file_name.lower()
    if kind == "xlsx":
        source = _open_xlsx(content, sheet, known_columns, any_header)
        if not lower.endswith((".xlsx", ".xlsm")):
            source.notes.insert(0, "拡張子は Excel ではありませんが、中身は Excel (.xlsx) でした。")
    else:
        source = _open_csv(content, encoding, known_columns, any_header)
        if lower.endswith((".xlsx", ".xls", ".xlsm")):
            source.notes.insert(0, "拡張子は Excel ですが、中身は CSV（テキスト）でした。")
    return source


# -- cell checks ---------------------------------------------------------------------------------

_INVISIBLE_NAMES = {
    "\u200b": "ゼロ幅スペース",
    "\u200c": "ゼロ幅非接合子",
    "\u200d": "ゼロ幅接合子",
    "\u2060": "ワードジョイナー",
    "\ufeff": "BOM（ゼロ幅ノーブレークスペース）",
    "\u00ad": "ソフトハイフン",
}


def hidden_characters(value: str, *, allow_newline: bool = False) -> str | None:
    """A description of a control or invisible character in value (never the value itself), or None."""
    for char in value:
        if char == "\t" or (allow_newline and char in "\r\n"):
            continue
        category = unicodedata.category(char)
        if category == "Cc":
            if char in "\r\n":
                return 'セルの中に改行があります（引用符 " の閉じ忘れの可能性）'
            return f"制御文字（U+{ord(char):04X}）が含まれています"
        if category == "Cf" or char in _INVISIBLE_NAMES:
            name = _INVISIBLE_NAMES.get(char, unicodedata.name(char, "書式制御文字"))
            return f"見えない文字（U+{ord(char):04X} {name}）が含まれています"
        if category in ("Cs", "Cn") and not ("\ue000" <= char <= "\uf8ff"):
            return f"文字として使えない符号（U+{ord(char):04X}）が含まれています"
    return None


def safe_label(value: str, limit: int = 40) -> str:
    """A header cell or file name fit to show and store: control and invisible characters as U+XXXX."""
    out = []
    for char in value[:limit]:
        category = unicodedata.category(char)
        out.append(f"<U+{ord(char):04X}>" if category in ("Cc", "Cf", "Cs", "Cn") else char)
    return "".join(out) + ("…" if len(value) > limit else "")

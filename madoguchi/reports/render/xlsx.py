"""The monthly report as XLSX, laid out for A4 printing (portrait, fit to one page wide, repeated headers).

Written in openpyxl's write-only mode: a fiscal year's appendix has tens of thousands of rows, and
streaming them is an order of magnitude faster than building cells in memory.
"""

from __future__ import annotations

import datetime
import io
from collections.abc import Iterable
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.drawing.image import Image
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from madoguchi.lib.jdates import format_wareki

from ..sections import Table, wareki_datetime
from . import charts

THIN = Side(style="thin", color="808080")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEAD_FILL = PatternFill("solid", fgColor="E8ECF7")
WARN_FILL = PatternFill("solid", fgColor="FFF4D6")
BOLD = Font(bold=True)
NUMBER = "#,##0"
# Tables longer than this are written without per-cell borders (the appendix): still readable, much faster.
STYLED_ROWS = 300


def sheet_title(caption: str) -> str:
    """A sheet name Excel accepts: at most 31 characters, none of []:*?/\\."""
    return "".join("・" if ch in "[]:*?/\\" else ch for ch in caption)[:31]


def _a4(ws: Any, *, landscape: bool = False) -> None:
    ws.page_setup.paperSize = ws.PAPERSIZE_A4 if hasattr(ws, "PAPERSIZE_A4") else "9"
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.oddFooter.center.text = "&P / &N"


class Sheet:
    """A write-only sheet that counts its rows (for print titles and image anchors)."""

    def __init__(
        self, wb: Workbook, title: str, *, landscape: bool = False, widths: Iterable[int] = ()
    ) -> None:
        self.ws = wb.create_sheet(title)
        _a4(self.ws, landscape=landscape)
        for index, width in enumerate(widths, start=1):
            self.ws.column_dimensions[get_column_letter(index)].width = width
        self.row = 0

    def cell(
        self,
        value: Any,
        *,
        font: Font | None = None,
        fill: PatternFill | None = None,
        border: bool = False,
        number: bool = False,
        align: Alignment | None = None,
    ) -> WriteOnlyCell:
        cell = WriteOnlyCell(self.ws, value=value)
        if font:
            cell.font = font
        if fill:
            cell.fill = fill
        if border:
            cell.border = BOX
        if number:
            cell.number_format = NUMBER
            cell.alignment = Alignment(horizontal="right")
        if align:
            cell.alignment = align
        return cell

    def append(self, values: list[Any]) -> None:
        self.ws.append(values)
        self.row += 1

    def blank(self) -> None:
        self.append([])


def write_table(sheet: Sheet, table: Table) -> int:
    """Write one table; return the sheet row of its heading row (for print titles)."""
    sheet.append([sheet.cell(table.caption, font=Font(bold=True, size=11))])
    sheet.append(
        [
            sheet.cell(
                h,
                font=BOLD,
                fill=HEAD_FILL,
                border=True,
                align=Alignment(horizontal="center", wrap_text=True),
            )
            for h in table.header
        ]
    )
    header_row = sheet.row
    if not table.rows:
        sheet.append([sheet.cell(table.empty_text, border=True)])
        sheet.blank()
        return header_row
    styled = len(table.rows) <= STYLED_ROWS
    numeric = set(table.numeric)
    for values in table.rows:
        if styled:
            sheet.append([sheet.cell(v, border=True, number=i in numeric) for i, v in enumerate(values)])
        else:
            sheet.append(list(values))
    if table.total:
        sheet.append(
            [sheet.cell(v, font=BOLD, border=True, number=i in numeric) for i, v in enumerate(table.total)]
        )
    sheet.blank()
    return header_row


def cover_sheet(wb: Workbook, data: Any) -> None:
    """The 鑑 as the first sheet: the same wording as the PDF's first page."""
    cover = data.cover
    sheet = Sheet(wb, "鑑", widths=[18, 70])
    wrap = Alignment(wrap_text=True, vertical="top")
    sheet.append(["", sheet.cell(format_wareki(cover.submitted_on), align=Alignment(horizontal="right"))])
    sheet.append([sheet.cell(f"{cover.addressee}　様", font=Font(size=12))])
    for line in (cover.contractor_address, cover.contractor, cover.representative):
        if line:
            sheet.append(["", sheet.cell(line, align=Alignment(horizontal="right"))])
    sheet.blank()
    title = f"業務完了報告書（{data.period.label}分）" + (
        f" {cover.version_label}" if cover.version_label else ""
    )
    sheet.append([sheet.cell(title, font=Font(bold=True, size=14))])
    sheet.append(
        [
            sheet.cell(
                f"{cover.contract_name}について、{data.period.label}分の業務を完了しましたので、下記のとおり報告します。",
                align=wrap,
            )
        ]
    )
    sheet.append(["記"])
    last_day = data.period.end - datetime.timedelta(days=1)
    for key, value in (
        ("業務名", cover.contract_name),
        ("契約期間", f"{format_wareki(cover.period_start)} から {format_wareki(cover.period_end)} まで"),
        ("報告対象期間", f"{format_wareki(data.period.start)} から {format_wareki(last_day)} まで"),
        ("担当課", f"{cover.city_name} {cover.section}"),
        (
            "添付資料",
            "別紙1 業務実施状況（シート「月報」「グラフ」）、別紙2 対応状況全件（シート「対応状況全件」）"
            + "".join(f"、{n} {what}（シート「{sheet_title(what)}」）" for n, what in data.attachments[2:]),
        ),
    ):
        sheet.append([sheet.cell(key, font=BOLD), sheet.cell(value, align=wrap)])
    sheet.blank()
    for heading, text in (
        ("特記事項", cover.special_notes),
        ("課題・問題点", cover.problems),
        ("改善の取組", cover.improvements),
    ):
        sheet.append([sheet.cell(heading, font=BOLD), sheet.cell(text or "特になし", align=wrap)])
    if cover.version_number:
        sheet.blank()
        sheet.append([sheet.cell("訂正の理由", font=BOLD), sheet.cell(cover.reason, align=wrap)])
        sheet.append(
            [
                sheet.cell(h, font=BOLD, fill=HEAD_FILL, border=True)
                for h in ("変更された項目", "前の版 → この版")
            ]
        )
        for change in cover.changes:
            before = "—" if change.submitted is None else f"{change.submitted:,}"
            after = "—" if change.now is None else f"{change.now:,}"
            sheet.append(
                [sheet.cell(change.label, border=True), sheet.cell(f"{before} → {after}", border=True)]
            )


def report_xlsx(data: Any) -> bytes:
    wb = Workbook(write_only=True)
    if data.cover is not None:
        cover_sheet(wb, data)
    main = Sheet(wb, "月報", widths=[44, 16, 16, 16, 16])
    main.append([main.cell(data.title, font=Font(bold=True, size=14))])
    main.append([f"{data.contract_name}　作成 {wareki_datetime(data.generated_at)}".strip("　")])
    if data.in_progress:
        main.append([main.cell("※ 月の途中の集計です（確定値ではありません）。", fill=WARN_FILL)])
    if data.submission is not None and data.cover is None:
        main.append([f"提出済 {wareki_datetime(data.submission.submitted_at)}"])
    if data.changes and data.cover is None:
        main.append(
            [
                main.cell(
                    f"※ 提出後にこの月のデータが変更されています（{len(data.changes)} 項目）。",
                    fill=WARN_FILL,
                    font=BOLD,
                )
            ]
        )
        main.append(
            [main.cell(h, font=BOLD, fill=HEAD_FILL, border=True) for h in ("項目", "提出時", "現在")]
        )
        for change in data.changes:
            main.append(
                [
                    main.cell(change.label, border=True),
                    main.cell(change.submitted, border=True, number=True),
                    main.cell(change.now, border=True, number=True),
                ]
            )
    if data.problems:
        main.append([main.cell("データの不整合（要確認）", font=BOLD)])
        for problem in data.problems:
            main.append([main.cell(problem, fill=WARN_FILL, align=Alignment(wrap_text=True, vertical="top"))])
    main.blank()
    for section in data.sections:
        main.append([main.cell(f"■ {section.title}", font=Font(bold=True, size=12))])
        if section.note:
            main.append([section.note])
        for table in section.tables:
            write_table(main, table)

    graphs = Sheet(wb, "グラフ")
    for index, name in enumerate(charts.CHARTS):
        image = Image(io.BytesIO(charts.chart_png(data, name)))
        image.width, image.height = 640, 302
        image.anchor = f"A{1 + index * 17}"
        graphs.ws.add_image(image)

    appendix = Sheet(wb, "対応状況全件", landscape=True, widths=[12, 18, 24, 30, 22, 26])
    # Write-only sheets take their frozen panes before the first row: caption on row 1, headings on row 2.
    appendix.ws.freeze_panes = "A3"
    header_row = write_table(appendix, data.appendix)
    appendix.ws.print_title_rows = f"{header_row}:{header_row}"
    for table in data.further:
        sheet = Sheet(wb, sheet_title(table.caption), landscape=len(table.header) > 5)
        sheet.ws.freeze_panes = "A3"
        header_row = write_table(sheet, table)
        sheet.ws.print_title_rows = f"{header_row}:{header_row}"

    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()

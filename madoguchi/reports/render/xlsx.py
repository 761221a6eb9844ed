"""The monthly report as XLSX, laid out for A4 printing (portrait, fit to one page wide, repeated headers)."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook
from openpyxl.drawing.image import Image
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from ..sections import NO_DATA, Table, wareki_datetime
from . import charts

THIN = Side(style="thin", color="808080")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEAD_FILL = PatternFill("solid", fgColor="E8ECF7")
WARN_FILL = PatternFill("solid", fgColor="FFF4D6")
NUMBER = "#,##0"


def _a4(ws: Worksheet, *, landscape: bool = False) -> None:
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.oddFooter.center.text = "&P / &N"


def write_table(ws: Worksheet, row: int, table: Table, *, widths: dict[int, int] | None = None) -> int:
    """Write one table from `row`; return the next free row."""
    ws.cell(row=row, column=1, value=table.caption).font = Font(bold=True, size=11)
    row += 1
    for col, heading in enumerate(table.header, start=1):
        cell = ws.cell(row=row, column=col, value=heading)
        cell.font = Font(bold=True)
        cell.fill = HEAD_FILL
        cell.border = BOX
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    row += 1
    body = list(table.rows)
    if not body:
        cell = ws.cell(row=row, column=1, value=table.empty_text)
        cell.border = BOX
        return row + 2
    if table.total:
        body.append(table.total)
    for index, values in enumerate(body):
        is_total = table.total is not None and index == len(body) - 1
        for col, value in enumerate(values, start=1):
            cell = ws.cell(row=row, column=col, value=value)
            cell.border = BOX
            if col - 1 in table.numeric:
                cell.number_format = NUMBER
                cell.alignment = Alignment(horizontal="right")
            if is_total:
                cell.font = Font(bold=True)
        row += 1
    return row + 1


def report_xlsx(data: Any) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "月報"
    _a4(ws)
    ws.column_dimensions["A"].width = 44
    for col in "BCDE":
        ws.column_dimensions[col].width = 16
    ws["A1"] = data.title
    ws["A1"].font = Font(bold=True, size=14)
    ws["A2"] = (
        f"久留米市マイナンバーカードコールセンター等業務委託　作成 {wareki_datetime(data.generated_at)}"
    )
    row = 3
    if data.in_progress:
        ws.cell(row=row, column=1, value="※ 月の途中の集計です（確定値ではありません）。").fill = WARN_FILL
        row += 1
    if data.submission is not None:
        ws.cell(row=row, column=1, value=f"提出済 {wareki_datetime(data.submission.submitted_at)}")
        row += 1
    if data.changes:
        cell = ws.cell(
            row=row,
            column=1,
            value=f"※ 提出後にこの月のデータが変更されています（{len(data.changes)} 項目）。",
        )
        cell.fill = WARN_FILL
        cell.font = Font(bold=True)
        row += 1
        for change in data.changes:
            ws.cell(row=row, column=1, value=change.label)
            ws.cell(row=row, column=2, value=change.submitted).number_format = NUMBER
            ws.cell(row=row, column=3, value=change.now).number_format = NUMBER
            row += 1
    if data.problems:
        ws.cell(row=row, column=1, value="データの不整合（要確認）").font = Font(bold=True)
        row += 1
        for problem in data.problems:
            cell = ws.cell(row=row, column=1, value=problem)
            cell.fill = WARN_FILL
            cell.alignment = Alignment(wrap_text=True)
            ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=5)
            ws.row_dimensions[row].height = 15 * max(1, len(problem) // 70 + 1)
            row += 1
    row += 1
    for section in data.sections:
        ws.cell(row=row, column=1, value=f"■ {section.title}").font = Font(bold=True, size=12)
        row += 1
        if not section.available:
            ws.cell(row=row, column=1, value=section.note or NO_DATA)
            row += 2
            continue
        if section.note:
            ws.cell(row=row, column=1, value=section.note)
            row += 1
        for table in section.tables:
            row = write_table(ws, row, table)
    ws.print_title_rows = None

    chart_ws = wb.create_sheet("グラフ")
    _a4(chart_ws)
    anchor = 1
    for name in charts.CHARTS:
        image = Image(io.BytesIO(charts.chart_png(data, name)))
        image.width, image.height = 640, 302
        chart_ws.add_image(image, f"A{anchor}")
        anchor += 17

    ax = wb.create_sheet("対応状況全件")
    _a4(ax, landscape=True)
    for index, width in enumerate([10, 18, 24, 30, 22, 26], start=1):
        ax.column_dimensions[get_column_letter(index)].width = width
    write_table(ax, 1, data.appendix)
    ax.print_title_rows = "2:2"
    ax.freeze_panes = "A3"

    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()

"""The monthly report (and other documents) as A4 PDF with ReportLab and the IPAex font from lib/pdf.py."""

from __future__ import annotations

import datetime
import io
from collections.abc import Iterable
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    Flowable,
    Image,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    TableStyle,
)
from reportlab.platypus import Table as RLTable

from madoguchi.lib.jdates import format_wareki
from madoguchi.lib.pdf import register_japanese_font

from ..sections import Table, wareki_datetime
from . import charts


def styles() -> dict[str, ParagraphStyle]:
    font = register_japanese_font()
    return {
        "title": ParagraphStyle(
            "title", fontName=font, wordWrap="CJK", fontSize=15, leading=20, spaceAfter=4 * mm
        ),
        "h2": ParagraphStyle(
            "h2",
            fontName=font,
            wordWrap="CJK",
            fontSize=12,
            leading=16,
            spaceBefore=4 * mm,
            spaceAfter=2 * mm,
        ),
        "h3": ParagraphStyle(
            "h3",
            fontName=font,
            wordWrap="CJK",
            fontSize=10,
            leading=14,
            spaceBefore=2 * mm,
            spaceAfter=1 * mm,
        ),
        "body": ParagraphStyle("body", fontName=font, wordWrap="CJK", fontSize=9, leading=13),
        "small": ParagraphStyle("small", fontName=font, wordWrap="CJK", fontSize=8, leading=11),
        "cell_right": ParagraphStyle(
            "cell_right", fontName=font, wordWrap="CJK", fontSize=8, leading=10, alignment=2
        ),
        "cell": ParagraphStyle("cell", fontName=font, wordWrap="CJK", fontSize=8, leading=10),
        "warn": ParagraphStyle(
            "warn",
            fontName=font,
            wordWrap="CJK",
            fontSize=9,
            leading=13,
            backColor=colors.HexColor("#FFF4D6"),
            borderPadding=3,
        ),
    }


def para(text: Any, style: ParagraphStyle) -> Paragraph:
    """A paragraph of plain text: ReportLab parses markup, so user text is escaped first."""
    return Paragraph(escape("" if text is None else str(text)), style)


def _fmt(value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return "" if value is None else str(value)


# A4 less the document's 18 mm top and bottom margins and the frame's 6 pt paddings.
FRAME_HEIGHT = A4[1] - 36 * mm - 12
HEADER_ROW_HEIGHT = 16.0
PLAIN_ROWS = 120  # longer tables (the appendix) use plain strings: Paragraph cells are ~20x slower


class RowsBlock(Flowable):
    """One page of a long table: its heading row and one-line rows, drawn with a single text object.

    ReportLab's Table builds a text object per cell and re-measures at every page split; for tens of thousands
    of plain rows a page-sized block drawn directly is an order of magnitude faster and looks the same."""

    def __init__(
        self,
        header: list[str],
        rows: list[list[str]],
        *,
        col_widths: list[float],
        row_height: float,
        header_height: float,
        font: str,
        size: float,
        numeric: tuple[int, ...] = (),
        total_last: bool = False,
    ) -> None:
        super().__init__()
        self.header, self.rows, self.col_widths = header, rows, col_widths
        self.row_height, self.header_height, self.font, self.size = row_height, header_height, font, size
        self.numeric, self.total_last = numeric, total_last
        self.width = sum(col_widths)
        self.height = header_height + row_height * len(rows)

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        from reportlab.pdfbase.pdfmetrics import stringWidth

        c = self.canv
        width, height, rh = self.width, self.height, self.row_height
        c.setFillColor(colors.HexColor("#E8ECF7"))
        c.rect(0, height - self.header_height, width, self.header_height, stroke=0, fill=1)
        if self.total_last and self.rows:
            c.setFillColor(colors.HexColor("#F3F3F3"))
            c.rect(0, 0, width, rh, stroke=0, fill=1)
        c.setStrokeColor(colors.grey)
        c.setLineWidth(0.5)
        xs = [0.0]
        for w in self.col_widths:
            xs.append(xs[-1] + w)
        lines: list[tuple[float, float, float, float]] = [(0.0, height, width, height)]
        lines += [
            (0.0, height - self.header_height - i * rh, width, height - self.header_height - i * rh)
            for i in range(len(self.rows) + 1)
        ]
        lines += [(x, 0.0, x, height) for x in xs]
        c.lines(lines)
        c.setFillColor(colors.black)
        text = c.beginText()
        header_size = self.size + 1
        text.setFont(self.font, header_size)
        base = height - (self.header_height + header_size * 0.7) / 2
        for i, label in enumerate(self.header):
            x = xs[i + 1] - 3 - stringWidth(label, self.font, header_size) if i in self.numeric else xs[i] + 3
            text.setTextOrigin(x, base)
            text.textOut(label)
        text.setFont(self.font, self.size)
        top = height - self.header_height
        for r, row in enumerate(self.rows):
            y = top - r * rh - (rh + self.size * 0.7) / 2
            for i, value in enumerate(row):
                if not value:
                    continue
                x = (
                    xs[i + 1] - 3 - stringWidth(value, self.font, self.size)
                    if i in self.numeric
                    else xs[i] + 3
                )
                text.setTextOrigin(x, y)
                text.textOut(value)
        c.drawText(text)


def table_flowables(
    table: Table,
    st: dict[str, ParagraphStyle],
    *,
    width: float = 170 * mm,
    col_widths: list[float] | None = None,
    first_page_used: float | None = None,
) -> list[Flowable]:
    """The table's caption and the table. A long table (plain one-line rows) that starts on a fresh page
    (`first_page_used` = height already used on that page by headings) is cut into page-sized tables, each
    starting a page with the heading row: the heading repeats at page tops only, and the time stays linear
    (ReportLab re-measures the rest of a table at every page split, quadratic for thousands of rows)."""
    font = register_japanese_font()
    out: list[Flowable] = [para(table.caption, st["h3"])]
    if not table.rows:
        out.append(para(table.empty_text, st["body"]))
        return out
    body = [list(r) for r in table.rows]
    if table.total:
        body.append(list(table.total))
    ncols = len(table.header)
    if col_widths is None and len(table.widths) == ncols:
        col_widths = [width * f for f in table.widths]
    if col_widths is None:
        col_widths = [width / ncols] * ncols
        if ncols >= 2 and table.numeric and 0 not in table.numeric:
            first = width * {2: 0.6, 3: 0.4}.get(ncols, 0.2)
            col_widths = [first] + [(width - first) / (ncols - 1)] * (ncols - 1)
    plain = len(body) > PLAIN_ROWS
    size = 7 if plain else 8
    # One table: ReportLab splits it at page ends and repeats the heading row at the top of each page only.
    rows: list[list[Any]] = [
        [para(h, st["cell_right" if i in table.numeric else "cell"]) for i, h in enumerate(table.header)]
    ]
    for values in body:
        if plain:
            rows.append([_fmt(v) for v in values])
        else:
            rows.append(
                [_fmt(v) if i in table.numeric else para(_fmt(v), st["cell"]) for i, v in enumerate(values)]
            )
    style = [
        ("FONTNAME", (0, 0), (-1, -1), font),
        ("FONTSIZE", (0, 0), (-1, -1), size),
        ("LEADING", (0, 0), (-1, -1), size + 2),
        ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#E8ECF7")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 1), (-1, -1), 1.5),
        ("BOTTOMPADDING", (0, 1), (-1, -1), 1.5),
    ]
    for i in table.numeric:
        style.append(("ALIGN", (i, 1), (i, -1), "RIGHT"))
    if table.total:
        style.append(("BACKGROUND", (0, -1), (-1, -1), colors.HexColor("#F3F3F3")))
    # Plain rows (long tables) are one line each: fixed heights spare ReportLab measuring every row.
    if plain and first_page_used is not None:
        caption = out[0]
        used = (
            first_page_used
            + caption.wrap(width, FRAME_HEIGHT)[1]
            + caption.getSpaceBefore()
            + caption.getSpaceAfter()
        )
        row_h = size + 5.0
        per_page = int((FRAME_HEIGHT - HEADER_ROW_HEIGHT) // row_h) - 1
        first = max(1, int((FRAME_HEIGHT - used - HEADER_ROW_HEIGHT) // row_h) - 1)
        start, take = 1, first
        plain_header = [str(h) for h in table.header]
        while start < len(rows):
            part = rows[start : start + take]
            last = start + take >= len(rows)
            out.append(
                RowsBlock(
                    plain_header,
                    part,
                    col_widths=list(col_widths),
                    row_height=row_h,
                    header_height=HEADER_ROW_HEIGHT,
                    font=font,
                    size=size,
                    numeric=table.numeric,
                    total_last=last and bool(table.total),
                )
            )
            if not last:
                out.append(PageBreak())
            start, take = start + take, per_page
        return out
    heights = [None] + [size + 5.0] * len(body) if plain else None
    rl = RLTable(rows, colWidths=col_widths, rowHeights=heights, repeatRows=1)
    rl.setStyle(TableStyle(style))
    out.append(rl)
    return out


APPENDIX_WIDTHS = [w * mm for w in (17, 24, 33, 42, 30, 24)]


def _footer(title: str) -> Any:
    def draw(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(register_japanese_font(), 8)
        canvas.drawString(20 * mm, 10 * mm, title)
        canvas.drawRightString(190 * mm, 10 * mm, f"{doc.page} ページ")
        canvas.restoreState()

    return draw


def build_pdf(title: str, story: Iterable[Flowable]) -> bytes:
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=title,
    )
    footer = _footer(title)
    doc.build(list(story), onFirstPage=footer, onLaterPages=footer)
    return out.getvalue()


def chart_image(png: bytes, width: float = 160 * mm) -> Image:
    """A chart at the page width, keeping its aspect ratio (tight bounding boxes vary per chart)."""
    from reportlab.lib.utils import ImageReader

    w, h = ImageReader(io.BytesIO(png)).getSize()
    return Image(io.BytesIO(png), width=width, height=width * h / w)


def _right(text: str, st: dict[str, ParagraphStyle]) -> Paragraph:
    return Paragraph(
        escape(text), ParagraphStyle("right", parent=st["body"], alignment=2, fontSize=10.5, leading=16)
    )


def cover_flowables(data: Any, st: dict[str, ParagraphStyle]) -> list[Flowable]:
    """The 鑑: date, addressee, contractor and representative, title, the 記 items, the director's commentary
    and, for a 訂正版, the reason and what changed."""
    cover = data.cover
    body = ParagraphStyle("cover", parent=st["body"], fontSize=10.5, leading=18)
    center = ParagraphStyle(
        "center", parent=st["title"], alignment=1, fontSize=15, leading=22, spaceBefore=8 * mm
    )
    month_label = data.period.label
    title = f"業務完了報告書（{month_label}分）"
    if cover.version_label:
        title += f" {cover.version_label}"
    out: list[Flowable] = [
        _right(format_wareki(cover.submitted_on), st),
        Spacer(1, 6 * mm),
        Paragraph(escape(f"{cover.addressee}　様"), ParagraphStyle("to", parent=body, fontSize=12)),
        Spacer(1, 6 * mm),
    ]
    for line in (cover.contractor_address, cover.contractor, cover.representative):
        if line:
            out.append(_right(line, st))
    out += [
        Paragraph(escape(title), center),
        Spacer(1, 4 * mm),
        Paragraph(
            escape(
                f"{cover.contract_name}について、{month_label}分の業務を完了しましたので、"
                "下記のとおり報告します。"
            ),
            body,
        ),
        Paragraph(
            "記", ParagraphStyle("ki", parent=body, alignment=1, spaceBefore=3 * mm, spaceAfter=3 * mm)
        ),
    ]
    last_day = data.period.end - datetime.timedelta(days=1)
    items = [
        ("業務名", cover.contract_name),
        ("契約期間", f"{format_wareki(cover.period_start)} から {format_wareki(cover.period_end)} まで"),
        ("報告対象期間", f"{format_wareki(data.period.start)} から {format_wareki(last_day)} まで"),
        ("担当課", f"{cover.city_name} {cover.section}"),
        ("添付資料", "、".join(f"{n} {what}" for n, what in data.attachments)),
    ]
    out.append(
        RLTable(
            [
                [Paragraph(escape(f"{i}　{k}"), body), Paragraph(escape(v), body)]
                for i, (k, v) in enumerate(items, 1)
            ],
            colWidths=[40 * mm, 130 * mm],
            style=TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]),
        )
    )
    for heading, text in (
        ("特記事項", cover.special_notes),
        ("課題・問題点", cover.problems),
        ("改善の取組", cover.improvements),
    ):
        out.append(Paragraph(escape(heading), st["h3"]))
        lines = [ln for ln in (text or "").splitlines() if ln.strip()] or ["特になし"]
        out += [para(ln, body) for ln in lines]
    if cover.version_number:
        out.append(Paragraph(escape(f"訂正の理由（{cover.version_label}）"), st["h3"]))
        out.append(para(cover.reason, body))
        out += table_flowables(
            Table(
                "前の版からの変更",
                ["項目", "前の版", "この版"],
                [[c.label, c.submitted, c.now] for c in cover.changes],
                numeric=(1, 2),
            ),
            st,
        )
    out.append(PageBreak())
    return out


SERIES_COLOURS = ("#3465A4", "#F57900", "#73D216", "#75507B")


def vector_chart(data: Any, name: str, width: float = 160 * mm, height: float = 70 * mm) -> Flowable:
    """The same chart as the screen's PNG, drawn with ReportLab's own graphics (vector, no matplotlib)."""
    from reportlab.graphics.charts.barcharts import VerticalBarChart
    from reportlab.graphics.charts.legends import Legend
    from reportlab.graphics.shapes import Drawing, String

    font = register_japanese_font()
    values = charts.chart_data(data, name)
    drawing = Drawing(width, height)
    drawing.add(String(0, height - 10, charts.CHARTS[name], fontName=font, fontSize=10))
    series = values["series"]
    if not values["labels"] or not any(any(v for v in s[1]) for s in series):
        drawing.add(
            String(
                width / 2,
                height / 2,
                "この期間の件数はありません",
                fontName=font,
                fontSize=10,
                textAnchor="middle",
            )
        )
        return drawing
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = (
        30,
        30,
        width - (110 if len(series) > 1 else 40),
        height - 50,
    )
    chart.data = [tuple(int(v or 0) for v in s[1]) for s in series]
    chart.categoryAxis.categoryNames = [str(label) for label in values["labels"]]
    chart.categoryAxis.labels.fontName = font
    chart.categoryAxis.labels.fontSize = 7
    chart.categoryAxis.labels.angle = 30 if len(values["labels"]) > 6 else 0
    chart.categoryAxis.labels.boxAnchor = "ne" if len(values["labels"]) > 6 else "n"
    chart.valueAxis.labels.fontName = font
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.valueMin = 0
    chart.categoryAxis.style = "stacked" if len(series) > 1 else "parallel"
    for i in range(len(series)):
        chart.bars[i].fillColor = colors.HexColor(SERIES_COLOURS[i % len(SERIES_COLOURS)])
        chart.bars[i].strokeColor = None
    drawing.add(chart)
    if len(series) > 1:
        legend = Legend()
        legend.x, legend.y = width - 75, height - 25
        legend.fontName, legend.fontSize = font, 7
        legend.colorNamePairs = [
            (colors.HexColor(SERIES_COLOURS[i % len(SERIES_COLOURS)]), s[0]) for i, s in enumerate(series)
        ]
        drawing.add(legend)
    return drawing


def report_pdf(data: Any) -> bytes:
    st = styles()
    story: list[Flowable] = []
    if data.cover is not None:
        story += cover_flowables(data, st)
        story.append(Paragraph("別紙1　業務実施状況", st["h2"]))
    story += [
        para(data.title, st["title"]),
        Paragraph(
            escape(f"{data.contract_name}　作成 {wareki_datetime(data.generated_at)}".strip("　")),
            st["small"],
        ),
        Spacer(1, 3 * mm),
    ]
    if data.in_progress:
        story.append(Paragraph("※ 月の途中の集計です（確定値ではありません）。", st["warn"]))
    if data.submission is not None and data.cover is None:
        story.append(Paragraph(f"提出済 {wareki_datetime(data.submission.submitted_at)}", st["body"]))
    if data.changes and data.cover is None:
        story.append(
            Paragraph(f"※ 提出後にこの月のデータが変更されています（{len(data.changes)} 項目）。", st["warn"])
        )
        story += table_flowables(
            Table(
                "提出後の変更",
                ["項目", "提出時", "現在"],
                [[c.label, c.submitted, c.now] for c in data.changes],
                numeric=(1, 2),
            ),
            st,
        )
    if data.problems:
        story.append(Paragraph("データの不整合（要確認）", st["h3"]))
        story += [para(p, st["warn"]) for p in data.problems]
    for section in data.sections:
        block: list[Flowable] = [Paragraph(f"■ {section.title}", st["h2"])]
        if section.note:
            block.append(Paragraph(section.note, st["small"]))
        for table in section.tables:
            block += table_flowables(table, st)
        story.append(KeepTogether(block) if sum(len(t.rows) for t in section.tables) < 40 else block[0])
        if sum(len(t.rows) for t in section.tables) >= 40:
            story += block[1:]
    story.append(PageBreak())
    story.append(Paragraph("グラフ", st["h2"]))
    for name in charts.CHARTS:
        story.append(vector_chart(data, name))
        story.append(Spacer(1, 3 * mm))
    story.append(PageBreak())
    story.append(
        Paragraph("別紙2　対応状況全件" if data.cover is not None else "別紙　対応状況全件", st["h2"])
    )
    story.append(
        Paragraph("個人を特定する情報は載せず、交付通知書番号・受付番号と状態のみを記載します。", st["small"])
    )
    used = sum(f.wrap(170 * mm, FRAME_HEIGHT)[1] + f.getSpaceBefore() + f.getSpaceAfter() for f in story[-2:])
    story += table_flowables(data.appendix, st, col_widths=APPENDIX_WIDTHS, first_page_used=used)
    for (label, what), table in zip(data.attachments[2:], data.further, strict=True):
        story.append(PageBreak())
        story.append(
            Paragraph(escape(f"{label}　{what}" if data.cover is not None else f"別紙　{what}"), st["h2"])
        )
        used = sum(
            f.wrap(170 * mm, FRAME_HEIGHT)[1] + f.getSpaceBefore() + f.getSpaceAfter() for f in story[-1:]
        )
        story += table_flowables(table, st, first_page_used=used)
    return build_pdf(data.title, story)

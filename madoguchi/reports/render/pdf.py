"""The monthly report (and other documents) as A4 PDF with ReportLab and the IPAex font from lib/pdf.py."""

from __future__ import annotations

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

from madoguchi.lib.pdf import register_japanese_font

from ..sections import Table, wareki_datetime
from . import charts

CHUNK = 60  # rows per table block: long tables split cheaply and repeat their header on each page


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


PLAIN_ROWS = 120  # longer tables (the appendix) use plain strings: Paragraph cells are ~20x slower


def table_flowables(
    table: Table,
    st: dict[str, ParagraphStyle],
    *,
    width: float = 170 * mm,
    col_widths: list[float] | None = None,
) -> list[Flowable]:
    font = register_japanese_font()
    out: list[Flowable] = [para(table.caption, st["h3"])]
    if not table.rows:
        out.append(para(table.empty_text, st["body"]))
        return out
    body = [list(r) for r in table.rows]
    if table.total:
        body.append(list(table.total))
    ncols = len(table.header)
    if col_widths is None:
        col_widths = [width / ncols] * ncols
        if ncols >= 2 and table.numeric and 0 not in table.numeric:
            first = width * {2: 0.6, 3: 0.4}.get(ncols, 0.2)
            col_widths = [first] + [(width - first) / (ncols - 1)] * (ncols - 1)
    plain = len(body) > PLAIN_ROWS
    size = 7 if plain else 8
    for start in range(0, len(body), CHUNK):
        chunk = body[start : start + CHUNK]
        rows: list[list[Any]] = [
            [para(h, st["cell_right" if i in table.numeric else "cell"]) for i, h in enumerate(table.header)]
        ]
        for values in chunk:
            if plain:
                rows.append([_fmt(v) for v in values])
            else:
                rows.append(
                    [
                        _fmt(v) if i in table.numeric else para(_fmt(v), st["cell"])
                        for i, v in enumerate(values)
                    ]
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
        if table.total and start + CHUNK >= len(body):
            style.append(("BACKGROUND", (0, -1), (-1, -1), colors.HexColor("#F3F3F3")))
        rl = RLTable(rows, colWidths=col_widths, repeatRows=1)
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


def report_pdf(data: Any) -> bytes:
    st = styles()
    story: list[Flowable] = [
        para(data.title, st["title"]),
        Paragraph(
            f"久留米市マイナンバーカードコールセンター等業務委託　作成 {wareki_datetime(data.generated_at)}",
            st["small"],
        ),
        Spacer(1, 3 * mm),
    ]
    if data.in_progress:
        story.append(Paragraph("※ 月の途中の集計です（確定値ではありません）。", st["warn"]))
    if data.submission is not None:
        story.append(Paragraph(f"提出済 {wareki_datetime(data.submission.submitted_at)}", st["body"]))
    if data.changes:
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
        story.append(chart_image(charts.chart_png(data, name)))
        story.append(Spacer(1, 3 * mm))
    story.append(PageBreak())
    story.append(Paragraph("別紙　対応状況全件", st["h2"]))
    story.append(
        Paragraph("個人を特定する情報は載せず、交付通知書番号・受付番号と状態のみを記載します。", st["small"])
    )
    story += table_flowables(data.appendix, st, col_widths=APPENDIX_WIDTHS)
    return build_pdf(data.title, story)

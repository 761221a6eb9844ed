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
    # Plain rows (long tables) are one line each: fixed heights spare ReportLab measuring every row again
    # each time the table is split at a page end.
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
        ("添付資料", "別紙1 業務実施状況（件数表・グラフ）、別紙2 対応状況全件"),
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
        story.append(chart_image(charts.chart_png(data, name)))
        story.append(Spacer(1, 3 * mm))
    story.append(PageBreak())
    story.append(
        Paragraph("別紙2　対応状況全件" if data.cover is not None else "別紙　対応状況全件", st["h2"])
    )
    story.append(
        Paragraph("個人を特定する情報は載せず、交付通知書番号・受付番号と状態のみを記載します。", st["small"])
    )
    story += table_flowables(data.appendix, st, col_widths=APPENDIX_WIDTHS)
    return build_pdf(data.title, story)

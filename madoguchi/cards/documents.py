"""The books as A4 PDF (ReportLab, the IPAex font of lib/pdf.py): 受払簿 and 返納・廃棄簿, the heading row
repeated on every page, page numbers, the period and the print date. No personal fields are in the books."""

from __future__ import annotations

import datetime
import io

from django.conf import settings

from madoguchi.lib.jdates import format_date

from .selectors import LedgerBook


def ledger_pdf(*, book: LedgerBook, start: datetime.date, end: datetime.date) -> bytes:
    """One book for the period as a PDF (landscape for the 返納・廃棄簿, whose rows are wide)."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import LongTable, Paragraph, SimpleDocTemplate, Spacer, TableStyle

    from madoguchi.lib.pdf import register_japanese_font

    from .glyphs import printable

    font = register_japanese_font()
    size = landscape(A4) if book.key == "disposals" else A4
    buffer = io.BytesIO()
    period = f"{format_date(start)} 〜 {format_date(end)}"
    doc = SimpleDocTemplate(
        buffer,
        pagesize=size,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=18 * mm,
        bottomMargin=15 * mm,
        title=f"{book.title} {period}",
        author=f"madoguchi {settings.MADOGUCHI_CITY_NAME}",
    )
    title = ParagraphStyle("title", fontName=font, fontSize=15, leading=20)
    small = ParagraphStyle("small", fontName=font, fontSize=9, leading=12)
    story = [
        Paragraph(f"{book.title}（{period}）", title),
        Paragraph(
            f"{settings.MADOGUCHI_CITY_NAME}　カードの履歴から作成（取り消した処理は数えません）　"
            f"{len(book.rows):,}行",
            small,
        ),
        Spacer(1, 4 * mm),
    ]
    body = [[printable(str(v)) for v in row] for row in book.rows]
    if not body:
        body = [["この期間の記録はありません。"] + [""] * (len(book.columns) - 1)]
    table = LongTable([list(book.columns), *body], repeatRows=1)
    style = [
        ("FONTNAME", (0, 0), (-1, -1), font),
        ("FONTSIZE", (0, 0), (-1, -1), 9),
        ("GRID", (0, 0), (-1, -1), 0.3, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8edf5")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]
    style += [("ALIGN", (i, 1), (i, -1), "RIGHT") for i in book.numeric]
    table.setStyle(TableStyle(style))
    story.append(table)

    def footer(canvas: object, document: object) -> None:
        canvas.setFont(font, 8)  # type: ignore[attr-defined]
        canvas.drawRightString(  # type: ignore[attr-defined]
            size[0] - 15 * mm,
            8 * mm,
            f"{book.title}　{period}　{document.page}ページ　印刷 {format_date(datetime.date.today())}",  # type: ignore[attr-defined]
        )

    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()

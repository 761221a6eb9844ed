"""The approved FAQ as a printable manual (PDF): grouped by category, numbered, with a sample mark."""

from __future__ import annotations

import io
from collections.abc import Iterable
from datetime import datetime
from xml.sax.saxutils import escape

from django.utils import timezone

from madoguchi.lib.jdates import format_wareki
from madoguchi.lib.pdf import register_japanese_font

from .models import FaqEntry


def printed_label(printed_at: datetime) -> str:
    """The print time as readers expect it: local time (Asia/Tokyo, the site's TIME_ZONE) and 和暦."""
    local = timezone.localtime(printed_at) if timezone.is_aware(printed_at) else printed_at
    return f"{format_wareki(local.date())} {local:%H:%M}"


def manual_pdf(entries: Iterable[FaqEntry], *, title: str, printed_at: datetime) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import KeepTogether, PageBreak, Paragraph, SimpleDocTemplate, Spacer

    font = register_japanese_font()
    base = ParagraphStyle("base", fontName=font, fontSize=10, leading=15, wordWrap="CJK")
    h1 = ParagraphStyle("h1", parent=base, fontSize=18, leading=26, spaceAfter=8)
    h2 = ParagraphStyle(
        "h2",
        parent=base,
        fontSize=14,
        leading=20,
        spaceBefore=6,
        spaceAfter=6,
        textColor=colors.HexColor("#1f3a93"),
    )
    q_style = ParagraphStyle("q", parent=base, fontSize=11, leading=16, spaceBefore=6)
    a_style = ParagraphStyle("a", parent=base, leftIndent=6 * mm)
    small = ParagraphStyle("small", parent=base, fontSize=8, leading=11, textColor=colors.HexColor("#555555"))
    sample = ParagraphStyle("sample", parent=small, textColor=colors.HexColor("#b00020"))

    entries = list(entries)
    story: list = [
        Paragraph(escape(title), h1),
        Paragraph(f"印刷日時: {printed_label(printed_at)}　掲載 {len(entries)} 件（承認済みのみ）", small),
    ]
    if any(e.is_sample for e in entries):
        story.append(
            Paragraph(
                "「サンプル（市の承認待ち）」の項目は開発側の文案です。市の確認前のため案内には使わないでください。",
                sample,
            )
        )
    story.append(Spacer(1, 6 * mm))
    categories: dict[str, list[FaqEntry]] = {}
    for e in entries:
        categories.setdefault(e.category, []).append(e)
    story.append(Paragraph("目次", h2))
    for i, name in enumerate(categories, 1):
        story.append(Paragraph(f"{i}. {escape(name)}（{len(categories[name])}件）", base))
    number = 0
    for i, (name, items) in enumerate(categories.items(), 1):
        story.append(PageBreak())
        story.append(Paragraph(f"{i}. {escape(name)}", h2))
        for e in items:
            number += 1
            mark = "　<font color='#b00020'>［サンプル（市の承認待ち）］</font>" if e.is_sample else ""
            answer = "<br/>".join(escape(line) for line in e.answer.splitlines())
            story.append(
                KeepTogether(
                    [
                        Paragraph(f"Q{number}. {escape(e.question)}{mark}", q_style),
                        Paragraph(f"A. {answer}", a_style),
                        Paragraph(f"No.{e.pk}　キーワード: {escape(e.keywords) or '―'}", small),
                    ]
                )
            )

    footer_date = printed_label(printed_at).split(" ")[0]

    def footer(canvas, doc) -> None:
        canvas.saveState()
        canvas.setFont(font, 8)
        canvas.drawString(15 * mm, 10 * mm, f"{title}　{footer_date}")
        canvas.drawRightString(A4[0] - 15 * mm, 10 * mm, f"{doc.page} ページ")
        canvas.restoreState()

    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=18 * mm,
        title=title,
    )
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return out.getvalue()

"""The operations plan (業務計画書) as DOCX (python-docx) and PDF (ReportLab), from its plain content."""

from __future__ import annotations

import datetime
import io
from typing import Any

from reportlab.platypus import Flowable, Paragraph, Spacer

from madoguchi.lib.jdates import format_wareki
from madoguchi.lib.pdf import FONT_NAME

from ..sections import Table
from .pdf import build_pdf, para, styles, table_flowables


def _period(content: dict[str, Any]) -> str:
    start, end = (datetime.date.fromisoformat(d) for d in content["period"])
    return f"{format_wareki(start)}から{format_wareki(end)}まで"


def _status_lines(plan: Any) -> list[str]:
    lines = [f"委託期間　{_period(plan.content or {})}" if plan.content else ""]
    if plan.submitted_at:
        lines.append(f"提出日　{format_wareki(plan.submitted_at.date())}（第{plan.version}版）")
    if plan.status == plan.Status.APPROVED and plan.decided_at:
        lines.append(f"承諾日　{format_wareki(plan.decided_at.date())}　承諾者　{plan.decided_by}")
    return [line for line in lines if line]


def plan_docx(plan: Any, content: dict[str, Any]) -> bytes:
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm(20)
    normal = doc.styles["Normal"]
    normal.font.name = FONT_NAME
    normal.font.size = Pt(10.5)
    # East Asian text needs its own font attribute or Word falls back to a Latin font.
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), "IPAexGothic")
    doc.add_heading(f"{content['title']}（{_fy(content)}）", level=0)
    doc.add_paragraph(_contract_line())
    doc.add_paragraph(f"委託期間　{_period(content)}")
    for line in _status_lines(plan)[1:]:
        doc.add_paragraph(line)
    for part in content["parts"]:
        doc.add_heading(part["title"], level=1)
        for paragraph in part["paragraphs"]:
            doc.add_paragraph(paragraph)
        for table in part["tables"]:
            doc.add_paragraph(
                table["caption"], style="Caption" if "Caption" in [s.name for s in doc.styles] else None
            )
            grid = doc.add_table(rows=1, cols=len(table["header"]))
            grid.style = "Table Grid"
            for cell, heading in zip(grid.rows[0].cells, table["header"], strict=True):
                cell.text = str(heading)
            for row in table["rows"]:
                cells = grid.add_row().cells
                for cell, value in zip(cells, row, strict=False):
                    cell.text = "" if value is None else str(value)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _contract_line() -> str:
    """The city and contract name from the 契約情報 screen (nothing city-specific in code)."""
    from ..models import ContractSettings

    contract = ContractSettings.objects.order_by("pk").first()
    return f"{contract.city_name} {contract.contract_name}" if contract else ""


def _fy(content: dict[str, Any]) -> str:
    year = int(content["fiscal_year"]) - 2018
    return f"令和{'元' if year == 1 else year}年度"


def plan_pdf(plan: Any, content: dict[str, Any]) -> bytes:
    st = styles()
    title = f"{content['title']}（{_fy(content)}）"
    story: list[Flowable] = [
        para(title, st["title"]),
        para(_contract_line(), st["body"]),
        Paragraph(f"委託期間　{_period(content)}", st["body"]),
    ]
    story += [para(line, st["body"]) for line in _status_lines(plan)[1:]]
    story.append(Spacer(1, 4))
    for part in content["parts"]:
        story.append(para(part["title"], st["h2"]))
        story += [para(p, st["body"]) for p in part["paragraphs"]]
        for table in part["tables"]:
            story += table_flowables(Table(table["caption"], table["header"], table["rows"]), st)
    return build_pdf(title, story)

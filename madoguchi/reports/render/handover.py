"""The handover package (引継ぎ) as one ZIP: summary, FAQ manual (PDF, XLSX), procedures, open items."""

from __future__ import annotations

import io
import zipfile
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from reportlab.platypus import Flowable, PageBreak, Spacer

from ..sections import Table, wareki_datetime
from .pdf import build_pdf, para, styles, table_flowables
from .xlsx import Sheet, write_table


def tables_xlsx(tables: list[Table], *, title: str) -> bytes:
    wb = Workbook(write_only=True)
    for table in tables:
        # Widths from the heading and the first rows: Japanese characters are about two columns wide.
        widths = [
            min(
                max(
                    max((len(str(r[i])) for r in [table.header, *table.rows[:50]] if i < len(r)), default=4)
                    * 2,
                    8,
                ),
                60,
            )
            for i in range(len(table.header))
        ]
        sheet = Sheet(wb, table.caption[:31].replace("/", "・"), landscape=True, widths=widths)
        sheet.ws.freeze_panes = "A4"  # title, caption, headings
        sheet.append([sheet.cell(title, font=Font(bold=True))])
        header_row = write_table(sheet, table)
        sheet.ws.print_title_rows = f"{header_row}:{header_row}"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def faq_xlsx(entries: list[Any]) -> bytes:
    table = Table(
        "質疑応答集（承認済み）",
        ["No.", "分類", "質問", "回答", "キーワード", "版", "承認日"],
        [
            [e.pk, e.category, e.question, e.answer, e.keywords, e.version, wareki_datetime(e.approved_at)]
            for e in entries
        ],
    )
    return tables_xlsx([table], title="質疑応答集（承認済み）")


def faq_pdf(entries: list[Any], *, printed_at: Any) -> bytes:
    from madoguchi.faq.manual import manual_pdf

    return manual_pdf(entries, title="質疑応答集（マニュアル）", printed_at=printed_at)


def markdown_pdf(docs: list[tuple[str, str]]) -> bytes:
    """The procedures in docs/*.md as one printable document (headings, lists and paragraphs, as text)."""
    st = styles()
    story: list[Flowable] = [para("業務手順書（docs）", st["title"])]
    # The cover lists what follows (one document a page onward), so it is not a blank first page.
    story.append(para("収録している手順書", st["h2"]))
    for number, (name, text) in enumerate(docs, start=1):
        heading = next((ln.lstrip("#").strip() for ln in text.splitlines() if ln.startswith("# ")), "")
        story.append(para(f"{number}. {heading}（{name}）" if heading else f"{number}. {name}", st["body"]))
    for name, text in docs:
        story.append(PageBreak())
        story.append(para(name, st["small"]))
        in_code = False
        for line in text.splitlines():
            if line.strip().startswith("```"):
                in_code = not in_code
                continue
            if not line.strip():
                story.append(Spacer(1, 4))
            elif line.startswith("#") and not in_code:
                level = len(line) - len(line.lstrip("#"))
                story.append(para(line.lstrip("#").strip(), st["h2" if level <= 2 else "h3"]))
            else:
                story.append(para(line, st["small" if in_code else "body"]))
    return build_pdf("業務手順書", story)


def summary_pdf(
    *, title: str, generated_at: Any, by: str, personal: bool, tables: list[Table], files: list[str]
) -> bytes:
    st = styles()
    story: list[Flowable] = [
        para(title, st["title"]),
        para(f"作成 {wareki_datetime(generated_at)}　作成者 {by}", st["body"]),
        para(
            "個人情報: " + ("含む（権限者が選択）" if personal else "含まない（番号と状態のみ）"), st["body"]
        ),
        para(
            "処理途中の案件は、種類と状態を下表のとおり明確にし、次期受託者が直ちに業務を遂行できるようにする。",
            st["body"],
        ),
    ]
    story += table_flowables(
        Table("未完了案件の件数", ["種類", "件数"], [[t.caption, t.items] for t in tables], numeric=(1,)),
        st,
    )
    story.append(para("収録ファイル", st["h2"]))
    story += [para(name, st["small"]) for name in files]
    return build_pdf(title, story)


def handover_zip(
    *,
    title: str,
    generated_at: Any,
    by: str,
    personal: bool,
    tables: list[Table],
    faq: list[Any],
    manual_pdf: bytes,
    plan_pdf: bytes | None,
) -> tuple[bytes, list[str]]:
    files: dict[str, bytes] = {
        "01_質疑応答集/質疑応答集（承認済み）.pdf": faq_pdf(faq, printed_at=generated_at),
        "01_質疑応答集/質疑応答集（承認済み）.xlsx": faq_xlsx(faq),
        "02_業務手順書/業務手順書.pdf": manual_pdf,
        "03_未完了案件/未完了案件.xlsx": tables_xlsx(tables, title=f"{title} 未完了案件"),
    }
    if plan_pdf is not None:
        files["04_業務計画書/業務計画書（承諾済み）.pdf"] = plan_pdf
    names = ["00_引継ぎ書.pdf", *files]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(
            "00_引継ぎ書.pdf",
            summary_pdf(
                title=title, generated_at=generated_at, by=by, personal=personal, tables=tables, files=names
            ),
        )
        for name, content in files.items():
            zf.writestr(name, content)
    return out.getvalue(), names

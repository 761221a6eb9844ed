"""The print font's coverage: what prints, and what `missing_glyphs` reports.

The font is IPAex completed with Noto Sans JP and Noto Sans glyphs (lib/pdf.py). The check that matters is the
PDF itself: a name is read back as text, and the glyph embedded for each of its characters has outlines (a box
or an empty glyph would have none)."""

from __future__ import annotations

import io
import re

from django.test import SimpleTestCase
from fontTools.ttLib import TTFont
from pypdf import PdfReader
from reportlab.pdfgen import canvas

from madoguchi.lib.pdf import jis_x_0213_characters, missing_glyphs, register_japanese_font

NAMES = ["髙﨑 𠮷男", "德永 𠮟子", "辻󠄀 剝一", "鷗外 森", "Nguyễn Thị Hương", "Ōtsuka Łukasz", "Ёлкина Ђорђе"]


def embedded_glyphs(pdf: bytes) -> dict[str, int]:
    """For every character drawn in the PDF, the number of contours of the glyph embedded for it
    (ReportLab embeds TrueType subsets: ToUnicode maps codes to characters, the subset's cmap codes to glyphs)."""
    out: dict[str, int] = {}
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            if font["/Subtype"] != "/TrueType":
                continue  # ReportLab's default Helvetica, declared by every canvas
            to_unicode = font["/ToUnicode"].get_object().get_data().decode("latin-1")
            codes: dict[int, str] = {}
            for block in re.findall(r"beginbfrange(.*?)endbfrange", to_unicode, re.S):
                for lo, hi, dst in re.findall(r"<(\w+)>\s*<(\w+)>\s*<(\w+)>", block):
                    for i, code in enumerate(range(int(lo, 16), int(hi, 16) + 1)):
                        codes[code] = bytes.fromhex(f"{int(dst, 16) + i:0{len(dst)}X}").decode("utf-16-be")
            for block in re.findall(r"beginbfchar(.*?)endbfchar", to_unicode, re.S):
                for src, dst in re.findall(r"<(\w+)>\s*<(\w+)>", block):
                    codes[int(src, 16)] = bytes.fromhex(dst).decode("utf-16-be")
            data = font["/FontDescriptor"]["/FontFile2"].get_object().get_data()
            subset = TTFont(io.BytesIO(data))
            cmap: dict[int, str] = {}
            for table in subset["cmap"].tables:
                cmap.update(table.cmap)
            for code, text in codes.items():
                if code not in cmap:
                    continue  # a code of the subset's ASCII block that nothing drew
                glyph = subset["glyf"][cmap[code]]
                out[text] = glyph.numberOfContours if glyph.numberOfContours != -1 else len(glyph.components)
    return out


class MissingGlyphsTest(SimpleTestCase):
    def test_everyday_japanese_report_text_is_fully_covered(self) -> None:
        text = "令和8年4月分 業務完了報告書 久留米市長 様 ①② 髙﨑 ㈱ 〜 ／ 0942-30-9000 ABC"
        self.assertEqual(missing_glyphs(text), set())

    def test_every_jis_x_0208_character_is_covered(self) -> None:
        chars = []
        for first in range(0xA1, 0xF5):
            for second in range(0xA1, 0xFF):
                try:
                    chars.append(bytes([first, second]).decode("euc_jp"))
                except UnicodeDecodeError:
                    continue
        self.assertGreater(len(chars), 6800)
        self.assertEqual(missing_glyphs("".join(chars)), set())

    def test_jis_x_0213_is_covered_but_for_two_brackets(self) -> None:
        chars = jis_x_0213_characters()
        self.assertEqual(len(chars), 14367)
        # IPAex alone missed 3,109 of them; what is left is the pair of white parentheses.
        self.assertEqual(missing_glyphs("".join(chars)), {"⦅", "⦆"})

    def test_characters_outside_the_font_are_named_and_whitespace_is_ignored(self) -> None:
        self.assertEqual(missing_glyphs("ballot ☒ and ✔\n\t"), {"☒", "✔"})
        self.assertEqual(missing_glyphs("私用領域 \ue001"), {"\ue001"})
        self.assertEqual(missing_glyphs("".join(NAMES)), set())  # variation selectors print as nothing


class NamesPrintTest(SimpleTestCase):
    def test_names_outside_jis_x_0208_read_back_and_have_real_glyphs_in_the_pdf(self) -> None:
        out = io.BytesIO()
        c = canvas.Canvas(out)
        c.setFont(register_japanese_font(), 12)
        for i, name in enumerate(NAMES):
            c.drawString(72, 760 - 20 * i, name)
        c.save()
        pdf = out.getvalue()
        text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
        for name in NAMES:
            self.assertIn(name.replace("\U000e0100", ""), text.replace("\U000e0100", ""))
        glyphs = embedded_glyphs(pdf)
        for ch in "".join(NAMES):
            if ch.isspace() or ch == "\U000e0100":
                continue
            with self.subTest(char=ch, code=f"U+{ord(ch):04X}"):
                self.assertIn(
                    ch, glyphs
                )  # a character the font lacks is drawn as code 0 (.notdef), not listed
                self.assertGreater(glyphs[ch], 0)

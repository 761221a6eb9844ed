"""The shipped font's coverage: what prints, and what `missing_glyphs` reports."""

from __future__ import annotations

from django.test import SimpleTestCase

from madoguchi.lib.pdf import missing_glyphs


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

    def test_characters_outside_the_font_are_named_and_whitespace_is_ignored(self) -> None:
        self.assertEqual(missing_glyphs("ballot ☒ and ✔\n\t"), {"☒", "✔"})
        self.assertEqual(missing_glyphs("丄 (JIS X 0213 plane 1)"), {"丄"})

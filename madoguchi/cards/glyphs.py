"""Which characters the print font can show (names printed on the ID check sheet must not become boxes).

The font is the one `lib.pdf` registers; its character map is read once (ReportLab loads on first use).
"""

from __future__ import annotations

import functools


@functools.cache
def _covered() -> frozenset[int]:
    from reportlab.pdfbase import pdfmetrics

    from madoguchi.lib.pdf import register_japanese_font

    font = pdfmetrics.getFont(register_japanese_font())
    return frozenset(font.face.charToGlyph)


def missing_glyphs(text: str) -> list[str]:
    """The distinct characters of text that the print font has no glyph for (spaces never count)."""
    covered = _covered()
    seen: list[str] = []
    for char in text:
        if not char.isspace() and ord(char) not in covered and char not in seen:
            seen.append(char)
    return seen


def printable(text: str, marker: str = "〓") -> str:
    """text with every character the font cannot show replaced by a visible marker (never a box)."""
    missing = set(missing_glyphs(text))
    return "".join(marker if c in missing else c for c in text) if missing else text

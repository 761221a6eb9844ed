"""Which characters of a name the print font cannot show, in reading order, and the visible marker for them.

The coverage itself is `lib.pdf.missing_glyphs` (the font lib.pdf ships); names must never print as boxes.
"""

from __future__ import annotations

from madoguchi.lib import pdf


def missing_glyphs(text: str) -> list[str]:
    """The distinct characters of text that the print font has no glyph for, in the order they appear."""
    missing = pdf.missing_glyphs(text)
    return list(dict.fromkeys(c for c in text if c in missing))


def printable(text: str, marker: str = "〓") -> str:
    """text with every character the font cannot show replaced by a visible marker (never a box)."""
    missing = pdf.missing_glyphs(text)
    return "".join(marker if c in missing else c for c in text) if missing else text

"""PDF with a Japanese font that ships inside a PyPI package (IPAex Gothic 003.01 from japanize-matplotlib).

Never relies on system fonts: the TTF is located inside the installed wheel without importing it.

Coverage (measured with fontTools against Python's euc_jis_2004 codec): every JIS X 0208 character (6,879),
and 11,258 of the 14,367 single characters of JIS X 0213:2004 — 3,109 are missing (rarer kanji of levels 3–4,
some accented Latin, Greek/Cyrillic variants). The only PyPI font with fuller coverage found
(noto-cjk-sans-jp-regular, Noto Sans CJK JP) is a CFF-outline OpenType that ReportLab cannot embed, so IPAex
stays; `missing_glyphs()` tells callers which characters of a text would not print.
"""

from __future__ import annotations

import functools
import importlib.util
from pathlib import Path

FONT_NAME = "IPAexGothic"


def font_path() -> Path:
    spec = importlib.util.find_spec("japanize_matplotlib")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("japanize-matplotlib (IPAex font) is not installed.")
    path = Path(next(iter(spec.submodule_search_locations))) / "fonts" / "ipaexg.ttf"
    if not path.exists():
        raise RuntimeError(f"Japanese font not found at {path}")
    return path


@functools.cache
def register_japanese_font() -> str:
    """Register the font with ReportLab once; return its name for setFont / ParagraphStyle."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    pdfmetrics.registerFont(TTFont(FONT_NAME, str(font_path())))
    return FONT_NAME


@functools.cache
def _covered() -> frozenset[int]:
    from reportlab.pdfbase.ttfonts import TTFont

    return frozenset(TTFont("_coverage", str(font_path())).face.charToGlyph)


def missing_glyphs(text: str) -> set[str]:
    """The characters of `text` the shipped font cannot draw (they would print as a box, ☒).

    Whitespace and control characters are not counted. Use it to refuse or flag text before printing it
    (e.g. a name with a character outside the font), never to drop characters silently."""
    covered = _covered()
    return {ch for ch in text if not ch.isspace() and ord(ch) >= 0x20 and ord(ch) not in covered}

"""PDF with a Japanese font that ships inside a PyPI package (IPAex Gothic from japanize-matplotlib).

Never relies on system fonts: the TTF is located inside the installed wheel without importing it.
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

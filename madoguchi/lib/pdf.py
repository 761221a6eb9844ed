"""The Japanese font every PDF uses: IPAex Gothic, completed with glyphs from Noto Sans JP and Noto Sans.

All three fonts ship inside PyPI packages (never system fonts), located inside the installed wheels without
importing them:

- IPAex Gothic 003.01 (japanize-matplotlib, TrueType): every JIS X 0208 character, but 3,109 of the 14,367
  single characters of JIS X 0213:2004 are missing (rarer kanji of levels 3–4 such as 𠮷 in names, accented
  Latin, Greek/Cyrillic variants);
- Noto Sans JP (pylopdf-fonts-jp, SIL OFL 1.1): covers nearly all of them, but its outlines are CFF, which
  ReportLab cannot embed;
- Noto Sans (fontpkg-noto-sans, SIL OFL 1.1, TrueType): Latin (Vietnamese included), Greek and Cyrillic.

ReportLab has no per-character fallback, so `register_japanese_font()` registers one TrueType font,
「MadoguchiGothic」: IPAex's glyphs unchanged, plus, for every character IPAex lacks, Noto Sans JP's glyph
converted from cubic (CFF) to quadratic (TrueType) outlines and scaled to IPAex's 2,048 units, then Noto Sans's
for what is still missing. Every renderer keeps using one font name; names with 髙, 﨑, 𠮷 or Nguyễn print.

Converting ~4,900 CFF glyphs takes 10–30 s, so the font is built once per machine and kept in a cache file
named by the SHA-256 of the three source fonts and of the builder version (`MADOGUCHI_FONT_CACHE`, else
`$XDG_CACHE_HOME/madoguchi` or `~/.cache/madoguchi`, else the temporary directory); `madoguchi prepare_fonts`
builds it ahead (deployments, CI). Concurrent first builds each write a temporary file and rename it: the
result is the same file.

The merged font is renamed (the IPA Font License requires a derived font not to carry the original's name)
and is only ever used to embed subsets in the PDFs madoguchi writes; it is not distributed on its own.
Coverage measured against Python's euc_jis_2004 codec: see `jis_x_0213_coverage()` and docs/reports.md.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import io
import os
import tempfile
from pathlib import Path
from typing import Any

FONT_NAME = "MadoguchiGothic"
# Bump when the way the merged font is built changes: a new cache file is written.
BUILDER_VERSION = "2"


def _package_file(package: str, *parts: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"The font package {package} is not installed (uv sync).")
    path = Path(next(iter(spec.submodule_search_locations))).joinpath(*parts)
    if not path.exists():
        raise RuntimeError(f"Font not found at {path}")
    return path


def font_path() -> Path:
    """IPAex Gothic, the base font (TrueType)."""
    return _package_file("japanize_matplotlib", "fonts", "ipaexg.ttf")


def fallback_paths() -> list[Path]:
    """The fonts whose glyphs fill in what IPAex lacks, in order of preference."""
    return [
        _package_file("pylopdf_fonts_jp", "NotoSansJP-Regular.otf"),
        _package_file("fontpkg_noto_sans", "files", "NotoSans[wdth,wght].ttf"),
    ]


def _cache_dir() -> Path:
    configured = os.environ.get("MADOGUCHI_FONT_CACHE")
    if configured:
        return Path(configured)
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg else Path.home() / ".cache"
    return base / "madoguchi"


def _sources_digest() -> str:
    h = hashlib.sha256(BUILDER_VERSION.encode())
    for path in [font_path(), *fallback_paths()]:
        h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()[:16]


def merged_font_path() -> Path:
    """The merged font file, built on first use (see the module docstring)."""
    name = f"MadoguchiGothic-{_sources_digest()}.ttf"
    path = _cache_dir() / name
    if path.exists():
        return path
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError:  # a service account without a writable home: the system's temporary directory
        path = Path(tempfile.gettempdir()) / "madoguchi-fonts" / name
        if path.exists():
            return path
        path.parent.mkdir(parents=True, exist_ok=True)
    content = build_merged_font()
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".building-", suffix=".ttf")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(content)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def _convert(glyph_set: Any, name: str, scale: float, cubic: bool) -> Any:
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.recordingPen import DecomposingRecordingPen
    from fontTools.pens.transformPen import TransformPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen

    pen = TTGlyphPen(None)
    # CFF contours run counter-clockwise, TrueType clockwise: cu2qu reverses them while converting.
    inner: Any = Cu2QuPen(pen, max_err=1.0, reverse_direction=True) if cubic else pen
    # Components (accented letters) are drawn as outlines: the glyph stands alone in the merged font.
    recording = DecomposingRecordingPen(glyph_set)
    glyph_set[name].draw(recording)
    recording.replay(TransformPen(inner, (scale, 0, 0, scale, 0, 0)))
    return pen.glyph()


def build_merged_font() -> bytes:
    """IPAex + the fallback fonts' glyphs for the characters IPAex lacks, as TrueType bytes."""
    from fontTools.ttLib import TTFont as FTFont
    from fontTools.ttLib.tables._c_m_a_p import cmap_format_4, cmap_format_12

    base = FTFont(str(font_path()))
    upm = base["head"].unitsPerEm
    cmap = dict(base.getBestCmap())
    order = list(base.getGlyphOrder())
    glyf, hmtx = base["glyf"], base["hmtx"]
    vmtx = base["vmtx"] if "vmtx" in base else None
    credits = []
    for path in fallback_paths():
        source = FTFont(str(path))
        cubic = "CFF " in source
        scale = upm / source["head"].unitsPerEm
        glyph_set = source.getGlyphSet()
        source_hmtx = source["hmtx"]
        added = 0
        for code, name in sorted(source.getBestCmap().items()):
            if code in cmap:
                continue
            new = f"mg{code:05X}"
            glyph = _convert(glyph_set, name, scale, cubic)
            order.append(new)
            glyf.glyphs[new] = glyph
            glyph.recalcBounds(glyf)
            advance = round(source_hmtx[name][0] * scale)
            hmtx.metrics[new] = (advance, getattr(glyph, "xMin", 0))
            if vmtx is not None:
                vmtx.metrics[new] = (upm, 0)
            cmap[code] = new
            added += 1
        if added:
            credits.append(source["name"].getDebugName(0) or path.name)
    # Variation selectors (IVS, e.g. 辻 + U+E0100) pick a glyph variant: print the base character in its
    # usual form and the selector as nothing, never as a box.
    from fontTools.pens.ttGlyphPen import TTGlyphPen

    order.append("mgVS")
    glyf.glyphs["mgVS"] = TTGlyphPen(None).glyph()
    hmtx.metrics["mgVS"] = (0, 0)
    if vmtx is not None:
        vmtx.metrics["mgVS"] = (0, 0)
    for code in [*range(0xFE00, 0xFE10), *range(0xE0100, 0xE01F0)]:
        cmap.setdefault(code, "mgVS")
    base.setGlyphOrder(order)
    glyf.glyphOrder = order
    tables = []
    for table_class, platform, encoding, codes in (
        (cmap_format_4, 3, 1, {c: g for c, g in cmap.items() if c <= 0xFFFF}),
        (cmap_format_12, 3, 10, cmap),
    ):
        table = table_class(4 if table_class is cmap_format_4 else 12)
        table.platformID, table.platEncID, table.language = platform, encoding, 0
        table.cmap = codes
        tables.append(table)
    base["cmap"].tables = tables
    names = base["name"]
    for record in list(names.names):
        if record.nameID in (1, 3, 4, 6, 16, 17, 18, 21, 22):
            names.removeNames(nameID=record.nameID)
    names.setName(FONT_NAME, 1, 3, 1, 0x409)
    names.setName("Regular", 2, 3, 1, 0x409)
    names.setName(f"{FONT_NAME}-{BUILDER_VERSION}", 3, 3, 1, 0x409)
    names.setName(FONT_NAME, 4, 3, 1, 0x409)
    names.setName(FONT_NAME, 6, 3, 1, 0x409)
    copyright_ = names.getDebugName(0) or ""
    names.setName("; ".join([copyright_, *credits]), 0, 3, 1, 0x409)
    base["post"].formatType = 2.0
    out = io.BytesIO()
    base.save(out)
    return out.getvalue()


def _to_unicode_cmap(fontname: str, subset: list[int]) -> str:
    """ReportLab's ToUnicode CMap with characters beyond the BMP written as UTF-16BE surrogate pairs.

    ReportLab writes `<20BB7>` for 𠮷, which is not UTF-16: viewers then cannot copy or search such names
    and text extraction drops them. This is ReportLab's own function with that one line corrected."""
    lines = [
        "/CIDInit /ProcSet findresource begin",
        "12 dict begin",
        "begincmap",
        "/CIDSystemInfo",
        f"<< /Registry ({fontname})",
        f"/Ordering ({fontname})",
        "/Supplement 0",
        ">> def",
        f"/CMapName /{fontname} def",
        "/CMapType 2 def",
        "1 begincodespacerange",
        f"<00> <{len(subset) - 1:02X}>",
        "endcodespacerange",
        f"{len(subset)} beginbfchar",
        *(f"<{i:02X}> <{chr(v).encode('utf-16-be').hex().upper()}>" for i, v in enumerate(subset)),
        "endbfchar",
        "endcmap",
        "CMapName currentdict /CMap defineresource pop",
        "end",
        "end",
    ]
    return "\n".join(lines)


@functools.cache
def register_japanese_font() -> str:
    """Register the merged font with ReportLab once; return its name for setFont / ParagraphStyle."""
    from reportlab.pdfbase import pdfmetrics, ttfonts

    ttfonts.makeToUnicodeCMap = _to_unicode_cmap  # see _to_unicode_cmap
    pdfmetrics.registerFont(ttfonts.TTFont(FONT_NAME, str(merged_font_path())))
    return FONT_NAME


@functools.cache
def _covered() -> frozenset[int]:
    from reportlab.pdfbase.ttfonts import TTFont

    return frozenset(TTFont("_coverage", str(merged_font_path())).face.charToGlyph)


def missing_glyphs(text: str) -> set[str]:
    """The characters of `text` the font cannot draw (they would print as a box, ☒).

    Whitespace and control characters are not counted. Use it to refuse or flag text before printing it
    (e.g. a name with a character outside the font), never to drop characters silently."""
    covered = _covered()
    return {ch for ch in text if not ch.isspace() and ord(ch) >= 0x20 and ord(ch) not in covered}


def jis_x_0213_characters() -> set[str]:
    """Every single character of JIS X 0213:2004 (both planes), from Python's euc_jis_2004 codec."""
    chars = set()
    for prefix in (b"", b"\x8f"):
        for first in range(0xA1, 0xFF):
            for second in range(0xA1, 0xFF):
                try:
                    text = (prefix + bytes([first, second])).decode("euc_jis_2004")
                except UnicodeDecodeError:
                    continue
                if len(text) == 1:
                    chars.add(text)
    return chars

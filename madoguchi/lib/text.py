"""Japanese text normalisation shared by validation, search and lookup hashes."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def nfkc(value: str) -> str:
    """NFKC: full-width digits and letters to half-width, half-width kana to full-width."""
    return unicodedata.normalize("NFKC", value)


def normalize_key(value: str) -> str:
    """A key for exact matching: NFKC, no spaces or hyphens, upper case (notice numbers, phones)."""
    value = nfkc(value)
    value = re.sub(r"[\s\-‐‑‒–—―ー－]", "", value)
    return value.upper()


def normalize_kana(value: str) -> str:
    """Kana for matching names: NFKC, katakana to hiragana, no spaces."""
    value = _SPACES.sub("", nfkc(value))
    return "".join(chr(ord(c) - 0x60) if "ァ" <= c <= "ヶ" else c for c in value)


def to_katakana(value: str) -> str:
    value = nfkc(value)
    return "".join(chr(ord(c) + 0x60) if "ぁ" <= c <= "ゖ" else c for c in value)


def normalize_address(value: str) -> str:
    """An address as a comparison key: NFKC, no spaces, one kind of hyphen (「城南町１５－３」 = 「城南町15-3」)."""
    return "".join(nfkc(value or "").split()).replace("－", "-").replace("ー", "-")

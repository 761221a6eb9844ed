"""The individual number (マイナンバー) must never be stored: find it in any free text and refuse it.

Rule: NFKC-normalise, then find every run of exactly 12 digits, optionally separated by single spaces
or hyphens (4-4-4 too), that is not part of a longer digit run (a 13-digit corporate number or a
23-digit application ID is allowed). Every such run is refused; a valid check digit (ministerial
ordinance: weights 6,5,4,3,2,7,6,5,4,3,2 on the first 11 digits, r = sum mod 11,
check = 0 if r <= 1 else 11 - r) only raises the confidence reported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible

from .text import nfkc

_SEP = r"[ \-‐‑‒–—―−ー]"
# 12 digits with optional single separators between them; not touching another digit or separator-digit.
_CANDIDATE = re.compile(rf"(?<![0-9])(?<![0-9]{_SEP})((?:[0-9]{_SEP}?){{11}}[0-9])(?!{_SEP}?[0-9])")

WEIGHTS = (6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2)

MESSAGE = (
    "個人番号（マイナンバー）と思われる12桁の数字が含まれています。"
    "マイナンバーは記録できません。該当の数字を削除してください。"
)


def check_digit(first_eleven: str) -> int:
    """Check digit of an individual number from its first 11 digits (left to right)."""
    total = sum(int(d) * w for d, w in zip(first_eleven, WEIGHTS, strict=True))
    r = total % 11
    return 0 if r <= 1 else 11 - r


@dataclass(frozen=True)
class Finding:
    start: int
    end: int
    digits: str
    check_digit_valid: bool

    @property
    def confidence(self) -> str:
        return "high" if self.check_digit_valid else "medium"


def find_individual_numbers(text: str) -> list[Finding]:
    """Every 12-digit run in text that could be an individual number (positions in the NFKC text)."""
    if not text:
        return []
    normalized = nfkc(text)
    findings = []
    for match in _CANDIDATE.finditer(normalized):
        digits = re.sub(r"[^0-9]", "", match.group(1))
        if len(digits) != 12:
            continue
        findings.append(
            Finding(
                start=match.start(1),
                end=match.end(1),
                digits=digits,
                check_digit_valid=check_digit(digits[:11]) == int(digits[11]),
            )
        )
    return findings


def contains_individual_number(text: str | None) -> bool:
    return bool(text) and bool(find_individual_numbers(text or ""))


@deconstructible
class NoIndividualNumberValidator:
    """Form and model validator for every free-text field."""

    message = MESSAGE
    code = "individual_number"

    def __call__(self, value: Any) -> None:
        if value is None:
            return
        findings = find_individual_numbers(str(value))
        if findings:
            high = any(f.check_digit_valid for f in findings)
            extra = "（検査用数字も一致しています）" if high else ""
            raise ValidationError(self.message + extra, code=self.code, params={"high": high})

    def __eq__(self, other: object) -> bool:
        return isinstance(other, NoIndividualNumberValidator)


no_individual_number = NoIndividualNumberValidator()


def refuse_individual_number(value: str | None, *, field: str = "") -> None:
    """For services: raise a ValidationError naming the field."""
    try:
        no_individual_number(value)
    except ValidationError as exc:
        if field:
            raise ValidationError({field: exc.messages}) from None
        raise

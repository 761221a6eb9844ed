"""Masked personal contact details: what an operator sees until they press 「表示」 (docs/security.md).

One place for the rule, reused by every screen (through `{% contact %}` in accounts/templatetags/contact.py):

* **Phone**: the first and the last group stay, the digits between become `*`: `090-1234-5678` → `090-****-5678`,
  `092-000-1111` → `092-***-1111`, `09012345678` → `090****5678` (first 3 and last 4 digits when the number has no
  separators, or when its middle group is shorter than three digits: `0942-30-9000` → `09**-**-9000`). At least
  three digits are always hidden; a number of fewer than six digits shows only its last two. `+81 90-…` reads as `090-…` first.
* **Address**: the prefecture and the municipality stay (enough to say "the card goes to the Tanushimaru branch"),
  everything after becomes `●●●`: `福岡県久留米市城南町15番地3` → `福岡県久留米市●●●`,
  `福岡市博多区博多駅前1-1` → `福岡市博多区●●●`, `三井郡大刀洗町冨多1` → `三井郡大刀洗町●●●`. An address whose
  municipality cannot be read is hidden whole.
"""

from __future__ import annotations

import re

from .text import nfkc

MASK = "●●●"

_PREFECTURE = r"(?:東京都|北海道|(?:京都|大阪)府|[^\s都道府県]{2,3}県)"
_MUNICIPALITY = (
    r"(?:[^\s][^\s市区町村郡]{0,5}郡[^\s市区町村郡]{1,5}[町村]"  # 三井郡大刀洗町
    r"|[^\s][^\s市区町村郡]{0,5}市[^\s市区町村郡]{1,4}区"  # 福岡市博多区 (designated cities' wards)
    r"|[^\s][^\s市区町村郡]{0,5}[市区町村])"  # 久留米市, 千代田区, 市川市
)
_ADDRESS = re.compile(rf"^\s*(?P<keep>{_PREFECTURE}?\s*{_MUNICIPALITY})")
_DIGIT_RUN = re.compile(r"[0-9]+")
_SEPARATED = re.compile(r"^\+?[0-9]+(?:[-‐ ()（）]+[0-9]+)+$")


def mask_address(value: str | None) -> str:
    """The prefecture and municipality of `value`, the rest as ●●●; "" for an empty address."""
    text = (value or "").strip()
    if not text:
        return ""
    match = _ADDRESS.match(text)
    if match is None:
        return MASK
    return match.group("keep").strip() + MASK


def _mask_positions(text: str, keep: set[int]) -> str:
    return "".join(ch if (not ch.isdigit() or i in keep) else "*" for i, ch in enumerate(text))


def mask_phone(value: str | None) -> str:
    """`value` with the middle digits as `*` (first and last group kept); "" for an empty number."""
    raw = nfkc(value or "").strip()
    if not raw:
        return ""
    if raw.startswith("+81"):
        raw = "0" + raw[3:].lstrip(" -").removeprefix("0")
    positions = [i for i, ch in enumerate(raw) if ch.isdigit()]
    if len(positions) < 6:
        # Too short to be a phone number we can show in part: only the last two digits.
        return _mask_positions(raw, set(positions[-2:])) if len(positions) > 2 else "*" * len(raw)
    keep: set[int] = set()
    if _SEPARATED.match(raw):
        runs = list(_DIGIT_RUN.finditer(raw))
        if len(runs) >= 3:
            keep = set(range(*runs[0].span())) | set(range(*runs[-1].span()))
    if not keep or len(positions) - len(keep) < 3:
        last = 4 if len(positions) >= 10 else 2
        first = min(3, len(positions) - last - 4)
        keep = set(positions[:first]) | set(positions[-last:])
    return _mask_positions(raw, keep)

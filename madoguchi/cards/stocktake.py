"""Stocktake (棚卸): the numbers scanned in one cabinet (or box) against the cards filed there.

Read only: it reports missing cards (filed here, not scanned), wrong-place cards (scanned here, filed
elsewhere or nowhere) and unknown numbers (no such card). Fixing a place is a normal 収納 scan.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.db.models import Q

from madoguchi.lib.text import nfkc, normalize_key

from .models import Card, CardQuerySet

# Cards that should physically be in a cabinet: set up and not yet pulled, shipped, issued or disposed of.
IN_CABINET_STATES = (
    Card.State.FILED,
    Card.State.NOTICE_MAILED,
    Card.State.NOTICE_RETURNED,
    Card.State.REMINDER_SENT,
    Card.State.UNCLAIMED,
    Card.State.ON_HOLD,
)


@dataclass
class StocktakeResult:
    place: str
    expected: int
    found: list[Card] = field(default_factory=list)
    missing: list[Card] = field(default_factory=list)
    wrong_place: list[Card] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    repeated: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.missing or self.wrong_place or self.unknown)


def _prefix(place: str) -> str:
    parts = [normalize_key(part) for part in re.split(r"[-－‐‑―ー]", nfkc(place))]
    prefix = "-".join(part for part in parts if part)
    if not prefix:
        raise ValueError("棚卸しする収納場所（例: A または A-03）を入力してください。")
    return prefix


def _expected(prefix: str) -> CardQuerySet:
    here = Q(storage_location__code=prefix) | Q(storage_location__code__startswith=f"{prefix}-")
    return Card.objects.filter(here, state__in=IN_CABINET_STATES)


def expected_numbers(*, place: str) -> list[str]:
    """The notice numbers that should be at `place` (for the scan screen's running count)."""
    return list(_expected(_prefix(place)).by_storage().values_list("notice_number", flat=True))


def stocktake(*, place: str, scanned: list[str]) -> StocktakeResult:
    """Compare the scanned notice numbers with the cards filed at `place` (a location code or its prefix:
    "A" is cabinet A, "A-03" one box)."""
    prefix = _prefix(place)
    expected = list(_expected(prefix).select_related("storage_location").by_storage())
    keys: list[str] = []
    repeated: list[str] = []
    for raw in scanned:
        key = normalize_key(raw)
        if not key:
            continue
        if key in keys:
            repeated.append(key)
        else:
            keys.append(key)
    cards = {
        c.notice_number: c
        for c in Card.objects.filter(notice_number__in=keys).select_related(
            "storage_location", "pickup_office"
        )
    }
    expected_numbers = {c.notice_number for c in expected}
    result = StocktakeResult(place=prefix, expected=len(expected), repeated=repeated)
    for key in keys:
        card = cards.get(key)
        if card is None:
            result.unknown.append(key)
        elif key in expected_numbers:
            result.found.append(card)
        else:
            result.wrong_place.append(card)
    scanned_set = set(keys)
    result.missing = [c for c in expected if c.notice_number not in scanned_set]
    return result

"""Test helpers: cards with plausible values."""

from __future__ import annotations

import datetime
import itertools
from typing import Any

from madoguchi.calendar.models import Office

from ..models import Card, CardEvent, StorageLocation

_seq = itertools.count(1)


def make_card(office: Office, **kwargs: Any) -> Card:
    n = next(_seq)
    values: dict[str, Any] = {
        "notice_number": f"KRM{n:06d}",
        "application_id": f"{n:023d}",
        "applicant_name": "久留米 太郎",
        "applicant_kana": "クルメ タロウ",
        "address": "福岡県久留米市城南町15-3",
        "phone": "0942-30-9000",
        "birth_date": datetime.date(1980, 5, 17),
        "pickup_office": office,
        "arrived_on": datetime.date(2026, 4, 1),
    }
    values.update(kwargs)
    return Card.objects.create(**values)


def make_location(cabinet: str = "A", box: str = "01", slot: str = "") -> StorageLocation:
    return StorageLocation.objects.create(cabinet=cabinet, box=box, slot=slot)


def events_of(card: Card) -> list[tuple[str, str]]:
    return list(
        CardEvent.objects.filter(card=card).order_by("at", "pk").values_list("from_state", "to_state")
    )

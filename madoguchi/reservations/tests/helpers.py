"""Test helpers: bookable cards, open days and slots relative to the real today (no clock faking)."""

from __future__ import annotations

import datetime

from django.utils import timezone

from madoguchi.calendar.models import Office
from madoguchi.calendar.services import hours_for
from madoguchi.cards.models import Card
from madoguchi.cards.tests.factories import make_card

from ..models import OfficeSlotSettings, Slot
from ..services import slots_sync


def ready_card(office: Office, **kwargs) -> Card:
    """A card set up and waiting (notice mailed): bookable."""
    kwargs.setdefault("state", Card.State.NOTICE_MAILED)
    return make_card(office, **kwargs)


def open_day(office: Office, *, ahead: int = 3, skip: int = 0) -> datetime.date:
    """The first day at least `ahead` days from today on which the office is open (after `skip` such days)."""
    day = timezone.localdate() + datetime.timedelta(days=ahead)
    while True:
        if hours_for(office, day).is_open:
            if skip == 0:
                return day
            skip -= 1
        day += datetime.timedelta(days=1)


def set_capacity(office: Office, people: int, *, minutes: int = 30) -> None:
    OfficeSlotSettings.objects.update_or_create(
        office=office, defaults={"slot_minutes": minutes, "windows": 1, "people_per_window": people}
    )


def slot_on(office: Office, day: datetime.date, index: int = 0) -> Slot:
    slots_sync(office=office, start=day, end=day)
    return Slot.objects.filter(office=office, date=day).order_by("start")[index]

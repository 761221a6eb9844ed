"""The call screen's booking panel: how long finding a family member by birth date takes when many cards arrived
around the same days (each candidate's address and birth date are decrypted in memory), and a slot day.

uv run python bench/calls_booking_panel.py [CARDS_IN_WINDOW]
"""

from __future__ import annotations

import datetime
import os
import statistics
import sys
import time

import _django

_django.setup()

from django.test.utils import setup_test_environment  # noqa: E402

from madoguchi.accounts.roles import sync_roles  # noqa: E402
from madoguchi.accounts.testing import make_offices  # noqa: E402
from madoguchi.calendar.models import Office  # noqa: E402
from madoguchi.cards.models import Card  # noqa: E402
from madoguchi.lib.crypto import lookup_hash  # noqa: E402
from madoguchi.reservations.selectors import phone_family_find, phone_slot_day  # noqa: E402
from madoguchi.reservations.services import slots_sync, window_dates  # noqa: E402

CARDS = int(sys.argv[1]) if len(sys.argv) > 1 else 5000


def main() -> None:
    setup_test_environment()
    sync_roles()
    if not Office.objects.exists():
        make_offices()
    office = Office.objects.get(code="honcho")
    arrived = datetime.date(2026, 10, 1)
    rows = []
    for n in range(CARDS):
        birth = datetime.date(1950 + n % 60, 1 + n % 12, 1 + n % 28)
        card = Card(
            notice_number=f"BENCH{n:07d}",
            application_id=f"{n:023d}",
            applicant_name="久留米 太郎",
            applicant_kana="クルメ タロウ",
            address=f"福岡県久留米市城南町{n}-1",
            birth_date=birth,
            pickup_office=office,
            arrived_on=arrived + datetime.timedelta(days=n % 20),
            state=Card.State.NOTICE_MAILED,
            notice_birth_hash=lookup_hash(f"BENCH{n:07d}", birth),
            kana_birth_hash=lookup_hash("クルメタロウ", birth),
        )
        rows.append(card)
    Card.objects.bulk_create(rows, batch_size=1000)
    anchor = Card.objects.get(notice_number="BENCH0000007")
    print(
        f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; {CARDS} cards in the window"
    )
    times = []
    for _ in range(15):
        t = time.perf_counter()
        phone_family_find(card_ids=[anchor.pk], birth_date=datetime.date(2014, 2, 3))
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    print(f"family member by birth date: p50 {statistics.median(times):.0f} ms, max {times[-1]:.0f} ms")
    first, last = window_dates(public=False)
    slots_sync(office=office, start=first, end=last)
    times = []
    for _ in range(30):
        t = time.perf_counter()
        phone_slot_day(office_id=office.pk, people=3)
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    print(f"slot day for three people: p50 {statistics.median(times):.1f} ms, max {times[-1]:.1f} ms")


if __name__ == "__main__":
    main()

"""Scan station throughput: sequential scans through the real view (session, CSRF-exempt test client).

uv run python bench/cards_scan.py [SCANS]
"""

from __future__ import annotations

import statistics
import sys
import time

import _django

_django.setup()

from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from madoguchi.accounts.roles import Role, sync_roles  # noqa: E402
from madoguchi.accounts.testing import make_offices, make_user  # noqa: E402
from madoguchi.calendar.models import Office  # noqa: E402
from madoguchi.cards.models import Card, CardEvent  # noqa: E402
from madoguchi.cards.tests.factories import make_card  # noqa: E402

SCANS = int(sys.argv[1]) if len(sys.argv) > 1 else 500


def main() -> None:
    setup_test_environment()
    sync_roles()
    if not Office.objects.exists():
        make_offices()
    office = Office.objects.get(code="honcho")
    user = make_user("bench-scan", Role.BACK_OFFICE)
    cards = [make_card(office) for _ in range(SCANS)]
    client = Client()
    client.force_login(user)
    import os

    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    # Warm-up: the first request imports every app's URLs and views (seconds); not part of a scan.
    t0 = time.perf_counter()
    client.get("/cards/scan/")
    print(f"warm-up (first request, imports): {time.perf_counter() - t0:.2f} s")
    times = []
    c0 = time.process_time()
    for card in cards:
        t0 = time.perf_counter()
        result = client.post(
            "/cards/scan/apply/", {"step": "set_up", "notice_number": card.notice_number}
        ).json()
        times.append(time.perf_counter() - t0)
        assert result["ok"], result
    total = sum(times)
    cpu = time.process_time() - c0
    q = statistics.quantiles(times, n=100)
    print(
        f"{SCANS} scans: {total:.2f} s wall ({SCANS / total:.1f} scans/s), {cpu:.2f} s CPU ({SCANS / cpu:.1f} scans/s), "
        f"p50 {q[49] * 1000:.1f} ms, p95 {q[94] * 1000:.1f} ms, max {max(times) * 1000:.1f} ms"
    )
    # Duplicate scans are refused, nothing doubled.
    t0 = time.perf_counter()
    dup = [
        client.post("/cards/scan/apply/", {"step": "set_up", "notice_number": c.notice_number}).json()
        for c in cards[:100]
    ]
    print(f"100 duplicate scans refused: {sum(not d['ok'] for d in dup)} in {time.perf_counter() - t0:.2f} s")
    print(f"events {CardEvent.objects.filter(to_state=Card.State.SET_UP).count()} (expected {SCANS})")


if __name__ == "__main__":
    main()

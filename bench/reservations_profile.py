"""Where a booking request's time goes: pyinstrument over N bookings through `POST /api/reservations` and N pings
(`GET /api/reservations/ping`), in process (Django's test client, production settings, PostgreSQL), plus the SQL
statements of one booking. Complements bench/reservations_load.py (throughput under gunicorn).

    uv pip install pyinstrument     # a profiler, not a dependency of the project
    uv run python bench/reservations_profile.py               # database madoguchi_reservations_profile (recreated)
    BENCH_PROFILE_N=300 BENCH_PROFILE_HTML=/tmp/p.html uv run python bench/reservations_profile.py

Prints ms per request for both, the ratio, the statements of one booking, and pyinstrument's call tree of the
booking requests (the parts over 2 %). Never asserts timings.
"""

from __future__ import annotations

import json
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault(
    "BENCH_DB", "postgres://postgres:postgres@127.0.0.1:5432/madoguchi_reservations_profile"
)

import reservations_load as load  # the same database set-up and seed as the load benchmark

N = int(os.environ.get("BENCH_PROFILE_N", "200"))


def main() -> None:
    load.ENV["ALLOWED_HOSTS"] = "127.0.0.1,testserver"
    load.fresh_database()
    load.setup_django()
    import logging

    logging.getLogger("madoguchi.audit").setLevel(logging.WARNING)  # one JSON line per audit row: not here
    cookie, creds, slot_ids = load.seed(2 * N + 1)
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from pyinstrument import Profiler

    name, value = cookie.split("=", 1)
    client = Client(HTTP_HOST="127.0.0.1", secure=True)
    client.cookies[name] = value
    rng = random.Random(3)

    def book(i: int) -> int:
        number, birth = creds[i]
        body = {"slot": rng.choice(slot_ids), "cards": [{"notice_number": number, "birth_date": birth}]}
        return client.post("/api/reservations", json.dumps(body), content_type="application/json").status_code

    for _ in range(20):  # warm up: imports, caches, connection
        client.get("/api/reservations/ping")
    with CaptureQueriesContext(connection) as one:
        first = book(2 * N)
    print(f"one booking: HTTP {first}, {len(one.captured_queries)} SQL statements")
    for q in one.captured_queries:
        print("   ", q["sql"][:150].replace("\n", " "))

    import datetime

    from madoguchi.cards.services import card_find
    from madoguchi.reservations.api import _card_for_booking

    for label, lookup in (("cards.services.card_find", card_find), ("api._card_for_booking", None)):
        wall, cpu0 = time.perf_counter(), time.process_time()
        for number, birth in creds[:N]:
            day = datetime.date.fromisoformat(birth)
            found = (
                card_find(notice_number=number, birth_date=day) if lookup else _card_for_booking(number, day)
            )
            assert found is not None
        print(f"card lookup {label}: {(time.process_time() - cpu0) * 1000 / N:.2f} ms CPU, "
              f"{(time.perf_counter() - wall) * 1000 / N:.2f} ms wall per lookup")  # fmt: skip

    started = time.perf_counter()
    for _ in range(N):
        client.get("/api/reservations/ping")
    ping_ms = (time.perf_counter() - started) * 1000 / N

    profiler = Profiler(interval=0.0005)
    statuses: dict[int, int] = {}
    started = time.perf_counter()
    profiler.start()
    for i in range(N):
        status = book(i)
        statuses[status] = statuses.get(status, 0) + 1
    profiler.stop()
    book_ms = (time.perf_counter() - started) * 1000 / N
    cpu = profiler.last_session.cpu_time if profiler.last_session else 0.0
    print(f"\nping: {ping_ms:.2f} ms/request   booking: {book_ms:.2f} ms/request (statuses {statuses})")
    print(
        f"booking CPU time in this process: {cpu * 1000 / N:.2f} ms/request (the rest waits for PostgreSQL)"
    )
    print(f"in-process ratio booking ÷ ping throughput: {ping_ms / book_ms:.2f}")
    print(
        profiler.output_text(
            unicode=True, color=False, show_all=False, short_mode=False, time="percent_of_total"
        )
    )
    if os.environ.get("BENCH_PROFILE_CPU"):  # where the process's own CPU goes (cProfile, by own time)
        import cProfile
        import pstats

        cpu_profile = cProfile.Profile(time.process_time)
        cpu_profile.enable()
        for i in range(N, N + N // 2):
            book(i)
        cpu_profile.disable()
        stats = pstats.Stats(cpu_profile)
        total = sum(row[2] for row in stats.stats.values())  # type: ignore[attr-defined]
        print(f"CPU profile of {N // 2} bookings: {total * 1000 / (N // 2):.2f} ms/request of own CPU")
        wanted = (
            "card_find",
            "chain_append",
            "audit_record",
            "appointment_book",
            "_take_places",
            "decrypt",
            "link_hash",
            "StaffSessionMiddleware.__call__",
            "process_response",
            "book",
        )
        for (file, line, func), row in sorted(stats.stats.items(), key=lambda kv: -kv[1][3]):  # type: ignore[attr-defined]
            if func in wanted or any(func.endswith(w) for w in wanted):
                print(f"  {row[3] * 1000 / (N // 2):6.2f} ms cumulative  {func}  ({Path(file).name}:{line})")
    if os.environ.get("BENCH_PROFILE_HTML"):
        Path(os.environ["BENCH_PROFILE_HTML"]).write_text(profiler.output_html())


if __name__ == "__main__":
    main()

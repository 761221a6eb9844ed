"""Call desk figures: CTI event throughput (service and HTTP), and the report/dashboard queries on a year of calls.

    uv run python bench/calls_desk.py            # SQLite (temporary file)
    dropdb -h 127.0.0.1 -U postgres --if-exists madoguchi_bench_calls; createdb -h 127.0.0.1 -U postgres madoguchi_bench_calls
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/madoguchi_bench_calls uv run python bench/calls_desk.py

On PostgreSQL give it an empty database: _django's flush cannot empty the append-only audit table.
"""

import os

import _django

_django.setup(fresh=not os.environ.get("DATABASE_URL", "").startswith("postgres"))

import datetime  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from unittest import mock  # noqa: E402

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from madoguchi.accounts.roles import sync_roles  # noqa: E402
from madoguchi.calendar import demo as calendar_demo  # noqa: E402
from madoguchi.calls import demo, services  # noqa: E402
from madoguchi.calls.models import Call  # noqa: E402

JST = datetime.timezone(datetime.timedelta(hours=9))


def p95(values):
    return statistics.quantiles(values, n=20)[18] if len(values) >= 20 else max(values)


def main():
    print(f"database: {connection.vendor}")
    if Call.objects.exists():
        raise SystemExit("The database already holds calls: give the benchmark an empty database.")
    sync_roles()
    services.categories_seed()
    calendar_demo.load()

    # 1. CTI events through the service: 300 calls × 3 events, then the same stream again (repeats).
    base = datetime.datetime(2026, 11, 24, 9, 0, tzinfo=JST)
    stream = []
    for i in range(300):
        start = base + datetime.timedelta(seconds=40 * i)
        cid = f"bench-{i}"
        stream += [
            {
                "kind": "newCall",
                "call_id": cid,
                "at": start,
                "line": i % 6 + 1,
                "direction": "inbound",
                "from_number": "0942-00-0000",
            },
            {
                "kind": "answer",
                "call_id": cid,
                "at": start + datetime.timedelta(seconds=6),
                "line": i % 6 + 1,
            },
            {"kind": "hangup", "call_id": cid, "at": start + datetime.timedelta(seconds=200)},
        ]
    timings = []
    t0 = time.perf_counter()
    for event in stream:
        t = time.perf_counter()
        services.cti_event_apply(**event)
        timings.append((time.perf_counter() - t) * 1000)
    total = time.perf_counter() - t0
    print(
        f"CTI events (service): {len(stream)} in {total:.2f} s = {len(stream) / total:.0f}/s; p50 {statistics.median(timings):.1f} ms, p95 {p95(timings):.1f} ms"
    )
    t0 = time.perf_counter()
    for event in stream:
        services.cti_event_apply(**event)
    total = time.perf_counter() - t0
    print(f"CTI repeats (idempotent no-ops): {len(stream)} in {total:.2f} s = {len(stream) / total:.0f}/s")

    # 2. The same over HTTP with the bearer token (what the PBX sees).
    settings.MADOGUCHI_CTI_TOKEN = settings.MADOGUCHI_CTI_TOKEN or "bench-token"
    client = Client(HTTP_HOST="localhost")
    http = []
    for i in range(100):
        start = base + datetime.timedelta(hours=3, seconds=40 * i)
        for kind, offset in (("newCall", 0), ("answer", 5), ("hangup", 150)):
            body = {
                "event": kind,
                "callId": f"http-{i}",
                "time": (start + datetime.timedelta(seconds=offset)).isoformat(),
                "line": 1,
                "direction": "inbound",
            }
            t = time.perf_counter()
            r = client.post(
                "/api/cti/events",
                data=json.dumps(body),
                content_type="application/json",
                headers={"Authorization": f"Bearer {settings.MADOGUCHI_CTI_TOKEN}"},
            )
            http.append((time.perf_counter() - t) * 1000)
            assert r.status_code == 200, r.status_code
    print(
        f"CTI events (HTTP): {len(http)} posts; p50 {statistics.median(http):.1f} ms, p95 {p95(http):.1f} ms"
    )

    # 3. A fiscal year of calls (demo generator up to 2027-03-31) and the report/dashboard queries on it.
    Call.objects.filter(cti_call_id__startswith="bench-").delete()
    Call.objects.filter(cti_call_id__startswith="http-").delete()
    end_of_year = timezone.make_aware(datetime.datetime(2027, 3, 31, 20, 0))
    t0 = time.perf_counter()
    with mock.patch("django.utils.timezone.now", return_value=end_of_year):
        summary = demo.load()
    print(f"demo load for a full FY2026: {time.perf_counter() - t0:.1f} s — {summary}")
    runs = []
    for _ in range(5):
        t = time.perf_counter()
        for m in range(12):
            services.monthly_counts(year=2026 + (m + 3) // 12, month=(m + 3) % 12 + 1)
        runs.append((time.perf_counter() - t) * 1000)
    print(
        f"monthly_counts, 12 months of {Call.objects.count()} calls: median {statistics.median(runs):.0f} ms for the year"
    )
    runs = []
    busy_day = datetime.date(2027, 3, 29)
    for _ in range(20):
        t = time.perf_counter()
        services.dashboard_figures(day=busy_day)
        runs.append((time.perf_counter() - t) * 1000)
    print(f"dashboard_figures (one day): median {statistics.median(runs):.1f} ms, p95 {p95(runs):.1f} ms")


if __name__ == "__main__":
    main()

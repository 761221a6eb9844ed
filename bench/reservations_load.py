"""Booking engine under load: bookings per second and p99 latency with 32 concurrent clients spread over every
slot of the booking window (a tenth of the attempts aim at a few hot slots, for real contention on the last
places), against PostgreSQL under gunicorn, beside a trivial JSON endpoint (same auth, same session middleware)
measured in the same run — before and after the bookings — and the count of overbookings (must be 0).
The figure to watch: `ratio_booking_to_ping_throughput` (target ≥ 0.5).

    uv run python bench/reservations_load.py            # PostgreSQL at 127.0.0.1:5432, database madoguchi_reservations_bench
    BENCH_DB=postgres://postgres@127.0.0.1:5432/other uv run python bench/reservations_load.py

The database is dropped and created fresh (the audit table refuses a flush). gunicorn listens on 127.0.0.1
only; every request has a timeout; the run is bounded (CLIENTS × REQUESTS).
"""

from __future__ import annotations

import http.client
import json
import os
import random
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent
DB_URL = os.environ.get("BENCH_DB", "postgres://postgres@127.0.0.1:5432/madoguchi_reservations_bench")
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "32"))
BOOKINGS_PER_CLIENT = int(os.environ.get("BENCH_BOOKINGS", "40"))
PINGS_PER_CLIENT = int(os.environ.get("BENCH_PINGS", "100"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "3"))
THREADS = int(os.environ.get("BENCH_THREADS", "8"))
HOT_SLOTS = 6  # a tenth of the attempts aim at the first few slots: real contention for the last places
HOT_SHARE = 0.1
TIMEOUT = 30


def fresh_database() -> None:
    import psycopg

    base, name = DB_URL.rsplit("/", 1)
    with psycopg.connect(base + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


ENV = {
    "DATABASE_URL": DB_URL,
    "DJANGO_SETTINGS_MODULE": "madoguchi.settings.production",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "MADOGUCHI_FIELD_KEYS": Fernet.generate_key().decode(),
    "MADOGUCHI_HASH_KEY": secrets.token_urlsafe(32),
    "SECURE_SSL_REDIRECT": "0",
    "ALLOWED_HOSTS": "127.0.0.1",
    "MADOGUCHI_VAR_DIR": "/tmp/madoguchi-bench-reservations",
    "STATIC_ROOT": "/tmp/madoguchi-bench-reservations/static",
}


def setup_django() -> None:
    os.environ.update(ENV)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    call_command("createcachetable", verbosity=0)


def seed(n_cards: int) -> tuple[str, list[tuple[str, str]], list[int]]:
    """An operator session, n bookable cards at the main office, open slots for the next weeks."""
    import datetime

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.utils import timezone

    from madoguchi.accounts.roles import Role, sync_roles
    from madoguchi.accounts.services import staff_create
    from madoguchi.calendar import demo as calendar_demo
    from madoguchi.calendar.models import Office
    from madoguchi.cards.models import Card
    from madoguchi.reservations.models import OfficeSlotSettings, Slot
    from madoguchi.reservations.services import slots_sync, window_dates

    sync_roles()
    calendar_demo.load()
    user = staff_create(username="bench", password=secrets.token_urlsafe(16), role=Role.OPERATOR)
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    office = Office.objects.get(code="honcho")
    OfficeSlotSettings.objects.update_or_create(
        office=office, defaults={"slot_minutes": 30, "windows": 3, "people_per_window": 2}
    )
    rng = random.Random(7)
    cards = []
    creds = []
    for i in range(n_cards):
        birth = datetime.date(1940, 1, 1) + datetime.timedelta(days=rng.randrange(365 * 80))
        card = Card(
            notice_number=f"BEN{i:06d}",
            application_id=f"{i:023d}",
            applicant_name="ベンチ 太郎",
            applicant_kana="ベンチ タロウ",
            birth_date=birth,
            pickup_office=office,
            arrived_on=datetime.date(2026, 4, 1),
            state=Card.State.NOTICE_MAILED,
        )
        card.refresh_hashes()
        cards.append(card)
        creds.append((card.notice_number, birth.isoformat()))
    Card.objects.bulk_create(cards, batch_size=500)
    start, end = window_dates(public=False)
    slots_sync(office=office, start=start, end=end)
    slot_ids = list(
        Slot.objects.filter(
            office=office, is_open=True, starts_at__gt=timezone.now() + datetime.timedelta(hours=1)
        )
        .order_by("starts_at")
        .values_list("pk", flat=True)
    )
    return f"{settings.SESSION_COOKIE_NAME}={store.session_key}", creds, slot_ids


def start_gunicorn(port: int) -> subprocess.Popen:
    env = {**os.environ, **ENV}
    cmd = [
        sys.executable, "-m", "gunicorn", "madoguchi.wsgi:application",
        "--bind", f"127.0.0.1:{port}", "--workers", str(WORKERS), "--threads", str(THREADS),
        "--worker-class", "gthread", "--timeout", "60", "--log-level", "warning", "--keep-alive", "30",
    ]  # fmt: skip
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return proc
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError("gunicorn did not start")


class Client:
    def __init__(self, port: int, cookie: str) -> None:
        self.port = port
        csrf = secrets.token_hex(16)  # 32 characters: an unmasked CSRF secret, accepted as is
        self.headers = {"Cookie": f"{cookie}; csrftoken={csrf}", "X-CSRFToken": csrf, "Host": "127.0.0.1"}
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, float, bytes]:
        headers = dict(self.headers)
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        t0 = time.perf_counter()
        try:
            self.conn.request(method, path, body=data, headers=headers)
            response = self.conn.getresponse()
            payload = response.read()
            return response.status, time.perf_counter() - t0, payload
        except (http.client.HTTPException, OSError):
            # Counted as status 0 (timeout or dropped connection); never retried, so nothing is booked twice.
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=TIMEOUT)
            return 0, time.perf_counter() - t0, b""


def run_phase(name: str, port: int, cookie: str, work) -> dict:
    """work(client, i) → list of (status, seconds); CLIENTS threads started together."""
    barrier = threading.Barrier(CLIENTS + 1)
    results: list[list[tuple[int, float]]] = [[] for _ in range(CLIENTS)]

    def run(i: int) -> None:
        client = Client(port, cookie)
        client.request("GET", "/api/reservations/ping")  # warm the connection
        barrier.wait()
        results[i] = work(client, i)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(CLIENTS)]
    for t in threads:
        t.start()
    barrier.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join(600)
    elapsed = time.perf_counter() - t0
    flat = [r for rs in results for r in rs]
    latencies = sorted(s for _, s in flat)
    statuses: dict[int, int] = {}
    for status, _ in flat:
        statuses[status] = statuses.get(status, 0) + 1
    p = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000  # noqa: E731
    return {
        "phase": name,
        "requests": len(flat),
        "seconds": round(elapsed, 2),
        "per_second": round(len(flat) / elapsed, 1),
        "p50_ms": round(p(0.50), 1),
        "p99_ms": round(p(0.99), 1),
        "mean_ms": round(statistics.mean(latencies) * 1000, 1),
        "statuses": statuses,
    }


def main() -> None:
    fresh_database()
    setup_django()
    n_cards = CLIENTS * BOOKINGS_PER_CLIENT
    cookie, creds, slot_ids = seed(n_cards)
    hot = slot_ids[:HOT_SLOTS]
    port = free_port()
    # A timeout or Ctrl-C must not leave gunicorn behind: turn SIGTERM into an exception so `finally` runs.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    proc = start_gunicorn(port)
    load_before = os.getloadavg()[0]
    try:
        ping = run_phase(
            "ping (trivial JSON)",
            port,
            cookie,
            lambda c, i: [c.request("GET", "/api/reservations/ping")[:2] for _ in range(PINGS_PER_CLIENT)],
        )

        def book(c: Client, i: int) -> list[tuple[int, float]]:
            rng = random.Random(i)
            out = []
            for k in range(BOOKINGS_PER_CLIENT):
                number, birth = creds[i * BOOKINGS_PER_CLIENT + k]
                slot = rng.choice(hot) if rng.random() < HOT_SHARE else rng.choice(slot_ids)
                body = {"slot": slot, "cards": [{"notice_number": number, "birth_date": birth}]}
                status, seconds, _ = c.request("POST", "/api/reservations", body)
                out.append((status, seconds))
            return out

        booking = run_phase("book (POST /api/reservations)", port, cookie, book)
        ping_after = run_phase(
            "ping again (trivial JSON)",
            port,
            cookie,
            lambda c, i: [c.request("GET", "/api/reservations/ping")[:2] for _ in range(PINGS_PER_CLIENT)],
        )
    finally:
        load_after = os.getloadavg()[0]
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(30)

    from django.db.models import Count, F, Q, Sum

    from madoguchi.reservations.models import Reservation, ReservationCard, Slot

    over_counter = Slot.objects.filter(booked__gt=F("capacity")).count()
    people = Slot.objects.annotate(
        people=Sum("reservations__party_size", filter=Q(reservations__status__in=Reservation.ACTIVE_STATUSES))
    ).filter(people__gt=F("capacity"))
    over_rows = people.count()
    double_cards = (
        ReservationCard.objects.filter(is_active=True)
        .values("card")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .count()
    )
    hot_full = Slot.objects.filter(pk__in=hot, booked=F("capacity")).count()
    from madoguchi.accounts.chain import chain_verify

    chain = chain_verify()  # every booking appended its audit row concurrently: one unbroken chain
    print(json.dumps(ping, ensure_ascii=False))
    print(json.dumps(booking, ensure_ascii=False))
    print(json.dumps(ping_after, ensure_ascii=False))
    ping_rate = (ping["per_second"] + ping_after["per_second"]) / 2
    created = booking["statuses"].get(201, 0)
    print(
        json.dumps(
            {
                "clients": CLIENTS,
                "gunicorn": f"{WORKERS} workers × {THREADS} threads (gthread)",
                "bookings_made": created,
                "full_answers_409": booking["statuses"].get(409, 0),
                "other_statuses": {k: v for k, v in booking["statuses"].items() if k not in (201, 409)},
                "bookings_per_second": round(created / booking["seconds"], 1),
                "slots": len(slot_ids),
                "ping_per_second_mean": round(ping_rate, 1),
                "ratio_booking_to_ping_throughput": round(booking["per_second"] / ping_rate, 2),
                "ratio_booking_to_ping_p99": round(
                    booking["p99_ms"] / max(ping["p99_ms"], ping_after["p99_ms"]), 2
                ),
                "hot_slots_filled_exactly": f"{hot_full}/{len(hot)}",
                "overbooked_slots_counter": over_counter,
                "overbooked_slots_rows": over_rows,
                "cards_with_two_active_bookings": double_cards,
                "audit_chain": f"{chain.checked} rows verified"
                if chain.broken is None
                else str(chain.broken),
                "load_average_1min": f"{load_before:.1f} → {load_after:.1f}",
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()

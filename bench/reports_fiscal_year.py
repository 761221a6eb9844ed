"""The fiscal-year report at Kurume scale: ≈40,000 cards (with their history), ≈30,000 calls,
≈40,000 reservations (with their history); times building the report and rendering XLSX and PDF.

    uv run python bench/reports_fiscal_year.py            # SQLite (temporary file)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/madoguchi_reports_bench uv run python bench/reports_fiscal_year.py
"""

from __future__ import annotations

import datetime
import random
import time
from zoneinfo import ZoneInfo

import _django

_django.setup()

from django.db import connection, reset_queries  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from madoguchi.calendar.models import Office  # noqa: E402
from madoguchi.calls.models import Call, Callback  # noqa: E402
from madoguchi.cards.models import Card, CardEvent, StorageLocation  # noqa: E402
from madoguchi.lib.crypto import encrypt_str  # noqa: E402
from madoguchi.reports import services  # noqa: E402
from madoguchi.reports.render.pdf import report_pdf  # noqa: E402
from madoguchi.reports.render.xlsx import report_xlsx  # noqa: E402
from madoguchi.reservations.models import Reservation, ReservationEvent, Slot  # noqa: E402

TOKYO = ZoneInfo("Asia/Tokyo")
FY = 2026
CARDS, CALLS, RESERVATIONS = 40_000, 30_000, 40_000
rng = random.Random(7)
START = datetime.date(FY, 4, 1)
DAYS = [START + datetime.timedelta(days=i) for i in range(365)]
WEEKDAYS = [d for d in DAYS if d.weekday() < 5]


def moment(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(8, 30), tzinfo=TOKYO) + datetime.timedelta(
        minutes=rng.randrange(0, 525)
    )


def generate() -> None:
    if Card.objects.count() >= CARDS:
        print("reusing the data already in", connection.settings_dict["NAME"])
        return
    main, _ = Office.objects.get_or_create(code="honcho", defaults={"name": "本庁", "kind": "main"})
    branches = [
        Office.objects.get_or_create(
            code=f"branch{i}", defaults={"name": f"総合支所{i}", "kind": "branch", "sort_order": i}
        )[0]
        for i in range(1, 6)
    ]
    offices = [main] * 5 + branches
    locations = StorageLocation.objects.bulk_create(
        [
            StorageLocation(cabinet=f"C{c}", box=f"{b:02d}", code=f"C{c}-{b:02d}")
            for c in range(1, 11)
            for b in range(1, 41)
        ]
    )
    # Encryption is the slow part of making cards: every card shares the same made-up ciphertexts.
    name, kana, birth = encrypt_str("試験 太郎"), encrypt_str("シケン タロウ"), encrypt_str("1980-01-01")
    steps = ["set_up", "filed", "notice_mailed", "prepared", "issued", "post_processed"]
    cards = []
    for i in range(CARDS):
        arrived = rng.choice(WEEKDAYS[:230])
        depth = rng.randrange(1, len(steps) + 1)
        state = steps[depth - 1]
        cards.append(
            Card(
                notice_number=f"BEN{i:07d}",
                application_id=f"{i:023d}",
                applicant_name=name,
                applicant_kana=kana,
                birth_date=birth,
                notice_birth_hash=f"n{i}",
                kana_birth_hash=f"k{i}",
                pickup_office=rng.choice(offices),
                storage_location=rng.choice(locations),
                state=state,
                arrived_on=arrived,
                holding_deadline=arrived + datetime.timedelta(days=90),
                # About one in a thousand issued cards lacks its issuance date: the report must list them.
                issued_on=(arrived + datetime.timedelta(days=30)) if depth >= 5 and i % 1000 else None,
            )
        )
    Card.objects.bulk_create(cards, batch_size=2000)
    events = []
    for card in Card.objects.values_list("id", "state", "arrived_on").iterator():
        cid, state, arrived = card
        prev = ""
        for n, to in enumerate(steps[: steps.index(state) + 1]):
            events.append(
                CardEvent(
                    card_id=cid,
                    at=moment(min(arrived + datetime.timedelta(days=n * 6), DAYS[-1])),
                    from_state=prev,
                    to_state=to,
                )
            )
            prev = to
    CardEvent.objects.bulk_create(events, batch_size=5000)
    categories = ["reservation"] * 60 + ["card_inquiry"] * 35 + ["other"] * 5
    calls = [
        Call(
            direction="inbound",
            status="ended",
            started_at=moment(rng.choice(WEEKDAYS)),
            category=rng.choice(categories),
        )
        for _ in range(CALLS)
    ]
    calls += [
        Call(direction="inbound", status="overflowed", started_at=moment(rng.choice(WEEKDAYS)))
        for _ in range(600)
    ]
    Call.objects.bulk_create(calls, batch_size=5000)
    Callback.objects.bulk_create(
        [
            Callback(source="overflow", reason="折り返し", due_at=moment(d), created_at=moment(d))
            for d in rng.sample(WEEKDAYS, 200)
        ]
    )
    slots = Slot.objects.bulk_create(
        [
            Slot(
                office=main,
                date=d,
                start=datetime.time(9 + h // 2, 30 * (h % 2)),
                end=datetime.time(9 + (h + 1) // 2, 30 * ((h + 1) % 2)),
                starts_at=datetime.datetime.combine(d, datetime.time(9 + h // 2, 30 * (h % 2)), tzinfo=TOKYO),
                capacity=20,
            )
            for d in WEEKDAYS
            for h in range(14)
        ],
        batch_size=2000,
    )
    statuses = ["booked"] * 3 + ["issued"] * 5 + ["cancelled", "no_show"]
    reservations = []
    for i in range(RESERVATIONS):
        slot = rng.choice(slots)
        reservations.append(
            Reservation(
                code=f"R{i:07d}",
                office=main,
                slot=slot,
                date=slot.date,
                status=rng.choice(statuses),
                channel=rng.choice(["phone", "phone", "web"]),
            )
        )
    Reservation.objects.bulk_create(reservations, batch_size=2000)
    revents = []
    for rid, status, day in Reservation.objects.values_list("id", "status", "date").iterator():
        booked = moment(max(day - datetime.timedelta(days=10), START))
        revents.append(ReservationEvent(reservation_id=rid, at=booked, kind="book", channel="phone"))
        if rid % 7 == 0:
            revents.append(
                ReservationEvent(
                    reservation_id=rid, at=booked + datetime.timedelta(days=1), kind="change", channel="phone"
                )
            )
        if status == "cancelled":
            revents.append(
                ReservationEvent(
                    reservation_id=rid, at=booked + datetime.timedelta(days=2), kind="cancel", channel="web"
                )
            )
    ReservationEvent.objects.bulk_create(revents, batch_size=5000)
    print(
        f"generated: {Card.objects.count():,} cards, {CardEvent.objects.count():,} card events, {Call.objects.count():,} calls, "
        f"{Reservation.objects.count():,} reservations, {ReservationEvent.objects.count():,} reservation events"
    )


def timed(label: str, fn, repeat: int = 3):  # type: ignore[no-untyped-def]
    best = float("inf")
    result = None
    queries = 0
    for _ in range(repeat):
        reset_queries()
        with CaptureQueriesContext(connection) as ctx:
            t = time.perf_counter()
            result = fn()
            best = min(best, time.perf_counter() - t)
        queries = len(ctx.captured_queries)
    print(f"{label:<58} {best:7.2f} s  ({queries} queries)")
    return result


if __name__ == "__main__":
    import cProfile
    import os
    import pstats

    if os.environ.get("PROFILE"):
        generate()
        cProfile.run(
            "services.monthly_report_build(year=FY + 1, month=3, scope='fiscal_year', today=datetime.date(FY + 1, 4, 1))",
            "/tmp/reports.prof",
        )
        pstats.Stats("/tmp/reports.prof").sort_stats("cumulative").print_stats(25)
        raise SystemExit
    t0 = time.perf_counter()
    generate()
    print(f"data generation: {time.perf_counter() - t0:.1f} s  [{connection.vendor}]")
    today = datetime.date(FY + 1, 4, 1)
    fy = timed(
        "fiscal-year report, figures only (no appendix)",
        lambda: services.monthly_report_build(
            year=FY + 1, month=3, scope="fiscal_year", today=today, appendix=False
        ),
    )
    full = timed(
        "fiscal-year report, figures + appendix (every item)",
        lambda: services.monthly_report_build(year=FY + 1, month=3, scope="fiscal_year", today=today),
    )
    print(
        f"  call table total {fy.call_section.tables[0].total[4]:,}; appendix rows {len(full.appendix.rows):,}; problems {len(full.problems)}"
    )
    month = timed(
        "one month's report (2026-10), figures + appendix",
        lambda: services.monthly_report_build(year=FY, month=10, today=today),
    )
    print(f"  appendix rows {len(month.appendix.rows):,}")
    xlsx = timed("XLSX of the month (with charts)", lambda: report_xlsx(month), repeat=1)
    pdf = timed("PDF of the month (with charts)", lambda: report_pdf(month), repeat=1)
    print(f"  XLSX {len(xlsx) / 1e6:.1f} MB, PDF {len(pdf) / 1e6:.1f} MB")
    timed("XLSX of the fiscal year (with charts, every item)", lambda: report_xlsx(full), repeat=1)

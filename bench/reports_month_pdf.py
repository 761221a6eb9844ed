"""The busiest month's PDF (鑑 + 別紙, ≈240 pages) against a plain ReportLab document of the same rows.

The month: 12,000 cards handled (4 steps each), 2,600 calls, 3,000 reservations booked or changed — about the
Kurume peak (spec: 2,699 calls in November 2025). Prints the time to build the report data, to render our PDF,
to render a plain ReportLab table of the same appendix rows (same font, one table, header repeated per page),
and the ratio. Never asserts timings.

    uv run python bench/reports_month_pdf.py
    DATABASE_URL=postgres://postgres:postgres@127.0.0.1:5432/madoguchi_bench_pdf uv run python bench/reports_month_pdf.py
"""

from __future__ import annotations

import datetime
import io
import os
import random
import time
from zoneinfo import ZoneInfo

import _django

_django.setup()

from madoguchi.accounts.models import User  # noqa: E402
from madoguchi.calendar.models import Office  # noqa: E402
from madoguchi.calls.models import Call  # noqa: E402
from madoguchi.cards.models import Card, CardEvent, StorageLocation  # noqa: E402
from madoguchi.lib.crypto import encrypt_str  # noqa: E402
from madoguchi.reports import services  # noqa: E402
from madoguchi.reports.models import ContractSettings, MonthClose  # noqa: E402
from madoguchi.reservations.models import Reservation, ReservationEvent, Slot  # noqa: E402

TOKYO = ZoneInfo("Asia/Tokyo")
YEAR, MONTH = 2026, 10
CARDS, CALLS, RESERVATIONS = 12_000, 2_600, 3_000
rng = random.Random(11)
DAYS = [datetime.date(YEAR, MONTH, d) for d in range(1, 32) if datetime.date(YEAR, MONTH, d).weekday() < 5]


def moment(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(8, 30), tzinfo=TOKYO) + datetime.timedelta(
        minutes=rng.randrange(0, 525)
    )


def generate() -> User:
    director = User.objects.create(username="bench-director", display_name="統括 管理者")
    main = Office.objects.create(code="honcho", name="本庁", kind="main")
    branch = Office.objects.create(code="branch1", name="総合支所1", kind="branch", sort_order=1)
    locations = StorageLocation.objects.bulk_create(
        [
            StorageLocation(cabinet=f"C{c}", box=f"{b:02d}", code=f"C{c}-{b:02d}")
            for c in range(1, 6)
            for b in range(1, 41)
        ]
    )
    name, kana, birth = encrypt_str("試験 太郎"), encrypt_str("シケン タロウ"), encrypt_str("1980-01-01")
    steps = ["received", "set_up", "filed", "notice_mailed"]
    Card.objects.bulk_create(
        [
            Card(
                notice_number=f"BEN{i:07d}",
                application_id=f"{i:023d}",
                applicant_name=name,
                applicant_kana=kana,
                birth_date=birth,
                notice_birth_hash=f"n{i}",
                kana_birth_hash=f"k{i}",
                pickup_office=main if i % 4 else branch,
                storage_location=rng.choice(locations),
                state="notice_mailed",
                arrived_on=DAYS[0],
                holding_deadline=DAYS[0] + datetime.timedelta(days=90),
            )
            for i in range(CARDS)
        ],
        batch_size=2000,
    )
    events = []
    for cid in Card.objects.values_list("id", flat=True).iterator():
        day = rng.choice(DAYS[:-4])
        prev = ""
        for n, to in enumerate(steps):
            events.append(
                CardEvent(
                    card_id=cid, at=moment(day + datetime.timedelta(days=n)), from_state=prev, to_state=to
                )
            )
            prev = to
    CardEvent.objects.bulk_create(events, batch_size=5000)
    categories = ["reservation"] * 60 + ["card_inquiry"] * 35 + ["other"] * 5
    Call.objects.bulk_create(
        [
            Call(
                direction="inbound",
                status="ended",
                started_at=moment(rng.choice(DAYS)),
                category=rng.choice(categories),
            )
            for _ in range(CALLS)
        ],
        batch_size=2000,
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
            for d in DAYS
            for h in range(14)
        ]
    )
    Reservation.objects.bulk_create(
        [
            Reservation(
                code=f"R{i:07d}",
                office=main,
                slot=(s := rng.choice(slots)),
                date=s.date,
                status="booked",
                channel="phone",
            )
            for i in range(RESERVATIONS)
        ],
        batch_size=2000,
    )
    ReservationEvent.objects.bulk_create(
        [
            ReservationEvent(reservation_id=rid, at=moment(day), kind="book", channel="phone")
            for rid, day in Reservation.objects.values_list("id", "date")
        ],
        batch_size=5000,
    )
    ContractSettings.objects.create(
        city_name="試験市",
        addressee="試験市長",
        section="市民課",
        contractor="株式会社テスト",
        representative="代表取締役 試験",
        contract_name="マイナンバーカード窓口業務委託",
        period_start=datetime.date(2026, 4, 1),
        period_end=datetime.date(2027, 3, 31),
    )
    MonthClose.objects.create(year=YEAR, month=MONTH, special_notes="繁忙期。")
    return director


def plain_reportlab(rows: list[list[object]], header: list[str]) -> bytes:
    """The baseline: the same rows in one ReportLab table with the same font, nothing else."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import SimpleDocTemplate, Table, TableStyle

    from madoguchi.lib.pdf import register_japanese_font

    font = register_japanese_font()
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out, pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm, topMargin=18 * mm, bottomMargin=18 * mm
    )
    table = Table([header, *[[str(v) for v in r] for r in rows]], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), font),
                ("FONTSIZE", (0, 0), (-1, -1), 7),
                ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
            ]
        )
    )
    doc.build([table])
    return out.getvalue()


def timed(label: str, fn):  # type: ignore[no-untyped-def]
    """Wall time and this process's CPU time (the machine is shared: CPU time is the steadier figure)."""
    start, cpu = time.perf_counter(), time.process_time()
    result = fn()
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu
    print(f"{label:<52} {seconds:7.2f} s wall {cpu_seconds:7.2f} s CPU")
    return result, cpu_seconds


if __name__ == "__main__":
    from pypdf import PdfReader

    from madoguchi.reports.render.pdf import report_pdf

    t0 = time.perf_counter()
    generate()
    print(f"data generated in {time.perf_counter() - t0:.1f} s")
    today = datetime.date(YEAR, MONTH + 1, 5)
    data, build_s = timed(
        "monthly_report_build (all sections + appendix)",
        lambda: services.monthly_report_build(year=YEAR, month=MONTH, today=today),
    )
    contract = ContractSettings.objects.get()
    data.cover = services._cover(
        contract=contract, close=MonthClose.objects.get(), number=0, reason="", changes=[], today=today
    )
    pdf, ours_s = timed("our PDF (鑑 + 別紙1 with charts + 別紙2 appendix)", lambda: report_pdf(data))
    plain, plain_s = timed(
        "plain ReportLab table of the same appendix rows",
        lambda: plain_reportlab(data.appendix.rows, data.appendix.header),
    )
    pages, plain_pages = len(PdfReader(io.BytesIO(pdf)).pages), len(PdfReader(io.BytesIO(plain)).pages)
    print(f"appendix rows: {len(data.appendix.rows):,}; our pages: {pages}; plain pages: {plain_pages}")
    print(
        f"ratio (our PDF / plain ReportLab, CPU): {ours_s / plain_s:.2f}; build + render CPU: {build_s + ours_s:.2f} s"
    )
    print(f"load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")

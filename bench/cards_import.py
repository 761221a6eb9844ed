"""Arrival import against its floor: the same parse + encryption + bulk insert done plainly, in the same run.

uv run python bench/cards_import.py [ROWS] [BIG_ROWS]

Prints, for ROWS (10,000) CP932 rows: the floor (csv + date parse + Card() with encryption + bulk_create),
the real import (sniff, detect, two validated passes, one transaction, events, audit) and the ratio; then
the peak Python memory (tracemalloc) of the import for ROWS and BIG_ROWS (50,000) to show it stays bounded.
"""

from __future__ import annotations

import csv
import io
import sys
import time
import tracemalloc

import _django

_django.setup()

from madoguchi.accounts.testing import make_offices  # noqa: E402
from madoguchi.calendar.models import Office  # noqa: E402
from madoguchi.cards.importing import ALL_COLUMNS  # noqa: E402
from madoguchi.cards.models import Card, CardEvent, ImportBatch  # noqa: E402
from madoguchi.cards.services import card_import  # noqa: E402
from madoguchi.lib.exports import csv_bytes, xlsx_bytes  # noqa: E402
from madoguchi.lib.jdates import parse_date  # noqa: E402

ROWS = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 10_000
BIG = int(sys.argv[2]) if len(sys.argv) > 2 and sys.argv[2].isdigit() else 50_000
OFFICES = ["honcho", "tanushimaru"]


def rows(prefix: str, count: int) -> list[list[str]]:
    out = []
    for n in range(count):
        values = {
            "交付通知書番号": f"{prefix}{n:06d}",
            "申請書ID": f"{'ABCDEFGH'.index(prefix[0]) + 1}{n:022d}",
            "氏名": "久留米 花子",
            "氏名カナ": "クルメ ハナコ",
            "生年月日": f"昭和{40 + n % 20}年{1 + n % 12}月{1 + n % 28}日",
            "受取庁舎": OFFICES[n % 2],
            "到着日": "2026/4/1",
            "種別": "新規",
            "申請方式": "交付時来庁方式",
            "住所": f"福岡県久留米市城南町{n % 40 + 1}-{n % 9 + 1}",
            "電話番号": "0942-30-9000",
            "マイナ・アシスト": "",
        }
        out.append([values[c] for c in ALL_COLUMNS])
    return out


def floor(content: bytes) -> tuple[float, float]:
    """The plain way: decode, csv, parse dates, build cards (encryption on save), bulk insert."""
    offices = {o.code: o.pk for o in Office.objects.all()}
    t0, c0 = time.perf_counter(), time.process_time()
    reader = csv.reader(io.StringIO(content.decode("cp932"), newline=""))
    header = next(reader)
    col = {name: i for i, name in enumerate(header)}
    cards = []
    for r in reader:
        card = Card(
            notice_number=r[col["交付通知書番号"]],
            application_id=r[col["申請書ID"]],
            applicant_name=r[col["氏名"]],
            applicant_kana=r[col["氏名カナ"]],
            address=r[col["住所"]],
            phone=r[col["電話番号"]],
            birth_date=parse_date(r[col["生年月日"]]),
            arrived_on=parse_date(r[col["到着日"]]),
            pickup_office_id=offices[r[col["受取庁舎"]]],
        )
        card.refresh_hashes()
        cards.append(card)
    Card.objects.bulk_create(cards, batch_size=500)
    return time.perf_counter() - t0, time.process_time() - c0


def timed(name: str, content: bytes, encoding: str | None) -> tuple[float, float, ImportBatch]:
    t0, c0 = time.perf_counter(), time.process_time()
    batch = card_import(file_name=name, content=content, by=None, encoding=encoding)
    return time.perf_counter() - t0, time.process_time() - c0, batch


def main() -> None:
    import os

    from django.conf import settings

    settings.DEBUG = False  # as in production: DEBUG keeps every SQL statement in memory
    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    if not Office.objects.exists():
        make_offices()
    header = list(ALL_COLUMNS)
    content = csv_bytes(header, rows("AAA", ROWS), encoding="cp932")
    plain, plain_cpu = floor(content)
    Card.objects.all().delete()
    elapsed, cpu, batch = timed("a.csv", content, "cp932")
    assert batch.status == ImportBatch.Status.DONE, batch.errors[:3]
    print(
        f"floor (plain parse + encrypt + bulk_create) {ROWS:>6} rows  {plain:6.2f} s wall  {plain_cpu:6.2f} s CPU"
    )
    print(
        f"import CSV CP932 (command path)            {ROWS:>6} rows  {elapsed:6.2f} s wall  {cpu:6.2f} s CPU"
        f"  = {elapsed / plain:.2f}x the floor (wall), {cpu / plain_cpu:.2f}x (CPU)"
    )
    for label, name, data, enc in (
        ("import CSV UTF-8 (auto-detect)", "b.csv", csv_bytes(header, rows("BBB", ROWS)), None),
        ("import XLSX", "c.xlsx", xlsx_bytes("到着", header, rows("CCC", ROWS)), None),
    ):
        elapsed, cpu, batch = timed(name, data, enc)
        assert batch.status == ImportBatch.Status.DONE, batch.errors[:3]
        print(f"{label:<41} {ROWS:>6} rows  {elapsed:6.2f} s wall  {cpu:6.2f} s CPU")
    bad = rows("DDD", ROWS)
    bad[-1][ALL_COLUMNS.index("生年月日")] = "令和8年2月30日"
    elapsed, _cpu, batch = timed("d.csv", csv_bytes(header, bad), None)
    print(
        f"{'one bad row at the end (refused)':<41} {ROWS:>6} rows  {elapsed:6.2f} s  errors {len(batch.errors)}, "
        f"created {batch.created_count}"
    )
    for prefix, count in (("EEE", ROWS), ("FFF", BIG)):
        data = csv_bytes(header, rows(prefix, count), encoding="cp932")
        tracemalloc.start()
        elapsed, _cpu, batch = timed(f"{prefix}.csv", data, "cp932")
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert batch.status == ImportBatch.Status.DONE, batch.errors[:3]
        print(
            f"peak Python memory, import of {count:>6} rows ({len(data) / 1e6:.1f} MB file): {peak / 1e6:6.1f} MB"
            f"  ({elapsed:.1f} s under tracemalloc)"
        )
    import resource

    # Peak resident set size of the whole process (Python, SQLite, the libraries): Linux reports KiB.
    print(
        f"peak RSS of the process (all runs above): {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB"
    )
    print(f"cards {Card.objects.count()}, events {CardEvent.objects.count()}")


if __name__ == "__main__":
    main()

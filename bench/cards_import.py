"""Arrival import: 10,000 rows (CSV CP932, CSV UTF-8, XLSX), all-or-nothing, one transaction.

uv run python bench/cards_import.py [ROWS]
"""

from __future__ import annotations

import sys
import time

import _django

_django.setup()

from madoguchi.accounts.testing import make_offices  # noqa: E402
from madoguchi.calendar.models import Office  # noqa: E402
from madoguchi.cards.importing import ALL_COLUMNS  # noqa: E402
from madoguchi.cards.models import Card, CardEvent, ImportBatch  # noqa: E402
from madoguchi.cards.services import card_import, import_batch_advance, import_batch_start  # noqa: E402
from madoguchi.lib.exports import csv_bytes, xlsx_bytes  # noqa: E402

ROWS = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
OFFICES = ["honcho", "tanushimaru"]


def rows(prefix: str) -> list[list[str]]:
    out = []
    for n in range(ROWS):
        values = {
            "交付通知書番号": f"{prefix}{n:06d}",
            "申請書ID": f"{'ABCDE'.index(prefix[0]) + 1}{n:022d}",
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


def run(label: str, name: str, content: bytes, encoding: str | None) -> None:
    t0, c0 = time.perf_counter(), time.process_time()
    batch = card_import(file_name=name, content=content, by=None, encoding=encoding)
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    assert batch.status == ImportBatch.Status.DONE, batch.errors[:3]
    print(
        f"{label:<28} {ROWS:>6} rows  {elapsed:6.2f} s wall  {cpu:6.2f} s CPU  "
        f"{ROWS / elapsed:6.0f} rows/s  ({len(content) / 1e6:.1f} MB)"
    )
    t0 = time.perf_counter()
    again = card_import(file_name=name, content=content, by=None, encoding=encoding)
    print(
        f"{'  same file again (no-op)':<28} {ROWS:>6} rows  {time.perf_counter() - t0:6.2f} s  created {again.created_count}, existing {again.existing_count}"
    )


def main() -> None:
    import os

    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    if not Office.objects.exists():
        make_offices()
    header = list(ALL_COLUMNS)
    run("CSV CP932 (command path)", "a.csv", csv_bytes(header, rows("AAA"), encoding="cp932"), "cp932")
    run("CSV UTF-8 (auto-detect)", "b.csv", csv_bytes(header, rows("BBB")), None)
    run("XLSX", "c.xlsx", xlsx_bytes("到着", header, rows("CCC")), None)
    # The screen's path: validation in chunks (one request each), then one transaction.
    content = csv_bytes(header, rows("DDD"), encoding="cp932")
    t0, c0 = time.perf_counter(), time.process_time()
    batch = import_batch_start(file_name="d.csv", content=content, by=None, encoding="cp932")
    steps = 0
    while batch.status == ImportBatch.Status.VALIDATING:
        batch = import_batch_advance(batch=batch, by=None)
        steps += 1
    print(
        f"{'CSV CP932 (screen, chunked)':<28} {ROWS:>6} rows  {time.perf_counter() - t0:6.2f} s wall  "
        f"{time.process_time() - c0:6.2f} s CPU  in {steps} requests"
    )
    # A bad row at the end: nothing is created.
    bad = rows("EEE")
    bad[-1][ALL_COLUMNS.index("生年月日")] = "令和8年2月30日"
    t0 = time.perf_counter()
    batch = card_import(file_name="e.csv", content=csv_bytes(header, bad), by=None)
    print(
        f"{'one bad row (refused)':<28} {ROWS:>6} rows  {time.perf_counter() - t0:6.2f} s  errors {len(batch.errors)}, created {batch.created_count}"
    )
    print(f"cards {Card.objects.count()}, events {CardEvent.objects.count()}")


if __name__ == "__main__":
    main()

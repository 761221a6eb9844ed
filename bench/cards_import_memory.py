"""Memory of one big arrival import, in a fresh process: uv run python bench/cards_import_memory.py ROWS [tracemalloc]

Prints the resident set size (RSS) after start-up (Django, the apps, the font's character map for the 外字
check) and the peak RSS during the import of ROWS CP932 rows through the real path (upload kept encrypted,
preview not needed: card_import = create + run: two streamed passes, one transaction). With "tracemalloc" it
also prints the peak Python allocation (slower: every allocation is traced). DEBUG=False as in production.
"""

from __future__ import annotations

import resource
import sys
import time
import tracemalloc

import _django

_django.setup()

from madoguchi.accounts.testing import make_offices  # noqa: E402
from madoguchi.calendar.models import Office  # noqa: E402
from madoguchi.cards.importing import ALL_COLUMNS  # noqa: E402
from madoguchi.cards.models import ImportBatch  # noqa: E402
from madoguchi.cards.services import card_import  # noqa: E402
from madoguchi.lib.exports import csv_bytes  # noqa: E402

ROWS = int(sys.argv[1]) if len(sys.argv) > 1 else 50_000
TRACE = "tracemalloc" in sys.argv[2:]


def rows(prefix: str, count: int) -> list[list[str]]:
    """The same rows as bench/cards_import.py."""
    out = []
    for n in range(count):
        values = {
            "交付通知書番号": f"{prefix}{n:06d}",
            "申請書ID": f"9{n:022d}",
            "氏名": "久留米 花子",
            "氏名カナ": "クルメ ハナコ",
            "生年月日": f"昭和{40 + n % 20}年{1 + n % 12}月{1 + n % 28}日",
            "受取庁舎": ("honcho", "tanushimaru")[n % 2],
            "到着日": "2026/4/1",
            "種別": "新規",
            "申請方式": "交付時来庁方式",
            "住所": f"福岡県久留米市城南町{n % 40 + 1}-{n % 9 + 1}",
            "電話番号": "0942-30-9000",
            "マイナ・アシスト": "",
        }
        out.append([values[c] for c in ALL_COLUMNS])
    return out


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def main() -> None:
    from django.conf import settings

    from madoguchi.lib.pdf import missing_glyphs

    settings.DEBUG = False
    if not Office.objects.exists():
        make_offices()
    missing_glyphs("久")  # load the font's character map before measuring (a fixed part)
    content = csv_bytes(list(ALL_COLUMNS), rows("MEM", ROWS), encoding="cp932")
    before = rss_mb()
    if TRACE:
        tracemalloc.start()
    t0 = time.perf_counter()
    batch = card_import(file_name="mem.csv", content=content, by=None, encoding="cp932")
    elapsed = time.perf_counter() - t0
    assert batch.status == ImportBatch.Status.DONE, batch.errors[:3]
    line = (
        f"{ROWS:>6} rows ({len(content) / 1e6:.1f} MB file): RSS peak {rss_mb():.0f} MB "
        f"(before the import {before:.0f} MB, file and its rows already in memory), {elapsed:.1f} s"
    )
    if TRACE:
        _current, peak = tracemalloc.get_traced_memory()
        line += f", peak Python allocation during the import {peak / 1e6:.1f} MB"
    print(line)


if __name__ == "__main__":
    main()

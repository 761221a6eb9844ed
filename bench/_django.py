"""Set up Django for a benchmark script: `from _django import setup; setup()` at the top of bench/<name>.py.

Uses DATABASE_URL if set (e.g. postgres://postgres@127.0.0.1/madoguchi_bench), else a fresh temporary
SQLite file, and migrates it. Benchmarks print figures; they never assert timings.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup(*, fresh: bool = True) -> None:
    sys.path.insert(0, str(ROOT))
    if not os.environ.get("DATABASE_URL"):
        tmp = Path(tempfile.mkdtemp(prefix="madoguchi-bench-"))
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp / 'bench.sqlite3'}"
    os.environ.setdefault("MADOGUCHI_VAR_DIR", tempfile.mkdtemp(prefix="madoguchi-bench-var-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "madoguchi.settings.dev")
    if fresh:
        # Lets flush empty the append-only audit table (dev settings only; see accounts migration 0002).
        os.environ["MADOGUCHI_BENCH_EMPTY_DATABASE"] = "1"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    if fresh and os.environ["DATABASE_URL"].startswith("postgres"):
        call_command("flush", interactive=False, verbosity=0)

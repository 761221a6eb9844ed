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
    if os.environ["DATABASE_URL"].startswith("postgres"):
        _create_postgres_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    if fresh and os.environ["DATABASE_URL"].startswith("postgres"):
        call_command("flush", interactive=False, verbosity=0)


def _create_postgres_database(url: str) -> None:
    """Create the benchmark's database if it does not exist yet (connecting to the server's `postgres` database)."""
    from urllib.parse import urlsplit, urlunsplit

    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))

"""The demo's SQLite file holds two scan stations at once (WAL, IMMEDIATE transactions, busy timeout)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from django.test import SimpleTestCase


class SqliteTwoStationsTests(SimpleTestCase):
    def test_two_stations_scanning_at_once_on_sqlite_lose_no_scan_and_get_no_error(self) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            env = {
                **os.environ,
                "DJANGO_SETTINGS_MODULE": "madoguchi.settings.test",
                "DATABASE_URL": f"sqlite:///{Path(tmp) / 'demo.sqlite3'}",
                "MADOGUCHI_VAR_DIR": tmp,
            }
            script = Path(__file__).with_name("sqlite_two_stations.py")
            done = subprocess.run(
                [sys.executable, str(script), "100"],
                env=env,
                capture_output=True,
                text=True,
                timeout=600,
                check=False,
            )
        self.assertEqual(done.returncode, 0, done.stderr[-3000:])
        result = json.loads(done.stdout.strip().splitlines()[-1])
        self.assertEqual(result["errors"], [])
        self.assertEqual(result["ok"], 200)
        self.assertEqual(result["journal"], "wal")

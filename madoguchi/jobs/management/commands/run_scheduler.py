"""`madoguchi run_scheduler`: start periodic jobs when due and mark jobs whose worker died as failed.

Run one per site (systemd); running two is harmless: each period is started once (ScheduledRun is unique)."""

from __future__ import annotations

import signal
import time
from typing import Any

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from madoguchi.jobs.services import job_reap_stale, schedule_tick


class Command(BaseCommand):
    help = "定期処理を時刻どおりに開始し、応答のなくなった処理を失敗として記録します。"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--once", action="store_true", help="1回だけ確認して終わる（cron 向け）")
        parser.add_argument("--interval", type=float, default=30.0, help="確認の間隔（秒、既定 30）")

    def handle(self, *args: Any, **options: Any) -> None:
        running = True

        def stop(signum: int, frame: Any) -> None:
            nonlocal running
            running = False

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        while True:
            close_old_connections()
            started = schedule_tick()
            reaped = job_reap_stale()
            if started or reaped or options["verbosity"] > 1:
                self.stdout.write(f"scheduler: started {len(started)}, reaped {reaped}")
            if options["once"] or not running:
                return
            slept = 0.0
            while running and slept < options["interval"]:
                time.sleep(0.5)
                slept += 0.5
            if not running:
                return

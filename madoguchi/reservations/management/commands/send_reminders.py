"""Email tomorrow's bookings (cron or a systemd timer, once a day, e.g. 10:00). Safe to run twice: never sends twice."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from madoguchi.lib.jdates import parse_date
from madoguchi.reservations.services import reminders_send


class Command(BaseCommand):
    help = "翌日の受取予約にお知らせメールを送ります（送信済み・不要設定の予約には送りません）。"

    def add_arguments(self, parser):
        parser.add_argument("--date", help="対象日（既定は翌日）。例: 2026-12-01")

    def handle(self, *args, **options):
        day = None
        if options.get("date"):
            try:
                day = parse_date(options["date"])
            except ValueError as exc:
                raise CommandError(str(exc)) from None
        sent, failed = reminders_send(day=day)
        self.stdout.write(f"お知らせメール: 送信 {sent} 件、失敗 {failed} 件")
        if failed:
            raise CommandError(f"{failed} 件の送信に失敗しました（次回の実行で再送します）。")

"""Bring the slots in line with the calendar and capacities (nightly, and after calendar edits); list affected bookings."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from madoguchi.calendar.models import Office
from madoguchi.reservations.services import holds_release, slots_sync, window_dates


class Command(BaseCommand):
    help = "開庁カレンダーと定員から予約枠を作り直し、影響を受ける予約（要対応）の件数を表示します。"

    def handle(self, *args, **options):
        start, end = window_dates(public=False)
        released = holds_release()
        affected = 0
        for office in Office.objects.active():
            result = slots_sync(office=office, start=start, end=end)
            affected += len(result.affected)
            self.stdout.write(
                f"{office.name}: 新規 {result.created}・変更 {result.updated}・停止 {result.withdrawn}・要対応 {len(result.affected)}"
            )
        self.stdout.write(f"期限切れの仮押さえを解放: {released}人。要対応の予約: 合計 {affected} 件")

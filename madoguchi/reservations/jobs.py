"""Reservations' periodic work, started by the scheduler (see docs/operations.md)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from madoguchi.jobs.registry import JobContext, JobError, job_kind


@job_kind(
    "reservations.send_reminders",
    title="翌日の予約のお知らせメール送信",
    permission="reservations.manage_slots",
    schedule="daily 10:00",
    timeout_seconds=1800,
)
def send_reminders(ctx: JobContext) -> None:
    from .services import reminders_send

    ctx.progress(done=0, total=1, message="送信しています")
    sent, failed = reminders_send(day=None)
    ctx.set_result(summary={"送信": sent, "失敗": failed})
    if failed:
        raise JobError(f"{failed} 件の送信に失敗しました（送信済み {sent} 件）。次回の実行で再送します。")


@job_kind(
    "reservations.sync_slots",
    title="予約枠をカレンダーと定員に合わせる",
    permission="reservations.manage_slots",
    schedule="daily 01:30",
    timeout_seconds=1800,
)
def sync_slots(ctx: JobContext, office_id: int | None = None) -> None:
    """Nightly for every office (the window moves on by a day), and started by `slots_sync_start` for one
    office (or all) whenever the calendar or a capacity changes. Requests never sync (no writes on GET)."""
    from madoguchi.calendar.models import Office

    from .services import holds_release, slots_sync, window_dates

    start, end = window_dates(public=False)
    released = holds_release()
    offices = list(Office.objects.active())
    if office_id is not None:
        offices = [o for o in offices if o.pk == office_id]
    totals = {"新規": 0, "変更": 0, "停止": 0, "要対応の予約": 0}
    for index, office in enumerate(offices):
        ctx.progress(done=index, total=len(offices), message=office.name)
        with transaction.atomic():  # one office per transaction
            result = slots_sync(office=office, start=start, end=end)
        totals["新規"] += result.created
        totals["変更"] += result.updated
        totals["停止"] += result.withdrawn
        totals["要対応の予約"] += len(result.affected)
    ctx.progress(done=len(offices), total=len(offices))
    ctx.set_result(summary={**totals, "解放した仮押さえ（人）": released}, url="/reservations/slots/")


@job_kind(
    "reservations.release_holds",
    title="期限切れの仮押さえの解放",
    permission="reservations.manage_slots",
    schedule="every 5 minutes",
    timeout_seconds=300,
)
def release_holds(ctx: JobContext) -> None:
    """Holds waiting for the resident's e-mail confirmation (30 min) give their places back when they expire."""
    from .services import holds_release

    ctx.set_result(summary={"解放した仮押さえ（人）": holds_release()})


@job_kind(
    "reservations.offer_waitlist",
    title="キャンセル待ちの方へ空きの案内",
    permission="reservations.manage_slots",
    timeout_seconds=300,
)
def offer_waitlist(ctx: JobContext, office_id: int, date: str) -> None:
    """Started when places of a day someone waits for are freed (cancel, lapsed hold)."""
    import datetime

    from madoguchi.calendar.models import Office

    from .rules import rules
    from .services import waitlist_offer

    office = Office.objects.get(pk=office_id)
    offered = waitlist_offer(
        office=office, date=datetime.date.fromisoformat(date), base_url=rules().public_base_url + "/"
    )
    ctx.set_result(summary={"案内した件数": offered})


def _drop_import_file(params: dict[str, Any]) -> None:
    """The import was cancelled or its worker died: delete the stored upload (personal data)."""
    from django.core.files.storage import default_storage

    default_storage.delete(params["path"])


@job_kind(
    "reservations.import_bookings",
    title="他の予約システムの予約の取込",
    permission="reservations.manage_slots",
    timeout_seconds=1800,
    on_abandon=_drop_import_file,
)
def import_bookings(ctx: JobContext, *, path: str, filename: str, encoding: str, user_id: int) -> None:
    """A big file from the city's other booking system, all or nothing (reservations.exchange)."""
    from django.core.files.storage import default_storage

    from madoguchi.accounts.models import User
    from madoguchi.lib.exports import read_table

    from .exchange import bookings_import

    try:
        with default_storage.open(path, "rb") as fh:
            data = fh.read()
    finally:
        default_storage.delete(path)  # read once; personal data does not stay in storage
    try:
        table = read_table(data, filename, encoding=encoding or None)
    except ValueError as exc:
        raise JobError(str(exc)) from None
    result = bookings_import(
        table=table,
        by=User.objects.get(pk=user_id),
        filename=filename,
        progress=lambda done, total: ctx.progress(done=done, total=total, message="予約を登録しています"),
    )
    if result.errors:
        listed = "\n".join(str(e) for e in result.errors[:50])
        more = f"\n（ほか{len(result.errors) - 50}件）" if len(result.errors) > 50 else ""
        raise JobError(f"取り込みませんでした（1件も登録していません）。\n{listed}{more}")
    ctx.set_result(summary={"登録": result.created, "取込済みのため省略": result.skipped})

"""Cards' background work: the arrival-list import, and clearing imports that never finished."""

from __future__ import annotations

from typing import Any

from madoguchi.jobs.registry import JobContext, job_kind


def _abandon_import(params: dict[str, Any]) -> None:
    """The import job was cancelled or its worker died: delete the stored file (personal data)."""
    from .services import import_batch_abandon

    import_batch_abandon(batch_id=int(params["batch_id"]))


@job_kind(
    "cards.import",
    title="到着カード一覧の取込",
    permission="cards.import_cards",
    timeout_seconds=600,
    cancellable=True,
    on_abandon=_abandon_import,
)
def import_arrivals(ctx: JobContext, *, batch_id: int) -> None:
    from django.urls import reverse

    from .models import ImportBatch
    from .services import import_batch_run

    batch = ImportBatch.objects.get(pk=batch_id)
    batch = import_batch_run(
        batch=batch,
        progress=lambda done, total, message: ctx.progress(done=done, total=total, message=message),
    )
    summary: dict[str, Any] = {"結果": batch.get_status_display()}
    if batch.status == ImportBatch.Status.DONE:
        summary |= {"新規": batch.created_count, "登録済み": batch.existing_count}
        if batch.correction_count:
            summary["訂正の確認待ち"] = batch.correction_count
    else:
        summary["エラー"] = len(batch.errors)
    ctx.set_result(summary=summary, url=reverse("cards:import_batch", args=[batch.pk]))


@job_kind("cards.import_expire", title="止まった到着カード取込の後始末", schedule="every 15 minutes")
def expire_imports(ctx: JobContext) -> None:
    from .services import import_batches_expire

    ctx.set_result(summary={"中止した取込": import_batches_expire()})


@job_kind(
    "cards.day_sheets",
    title="当日準備のチェックシート・申請者情報シートの一括印刷",
    permission="cards.print_cards",
    timeout_seconds=900,
)
def day_sheets(ctx: JobContext, *, office_id: int, day: str, user_id: int) -> None:
    """A day's batch of ID check sheets and applicant sheets (two pages a card: too long for a request)."""
    import datetime

    from madoguchi.accounts.models import AuditEvent, User
    from madoguchi.accounts.services import audit_record
    from madoguchi.calendar.models import Office

    from . import printouts, queues

    office = Office.objects.get(pk=office_id)
    date = datetime.date.fromisoformat(day)
    ctx.progress(done=0, total=2, message="対象のカードを集めています")
    cards, _missing = queues.day_pull_list(office, date)
    cards = queues.family_order(cards, queues.day_bookings(office, date))
    ctx.progress(done=1, total=2, message=f"{len(cards)}枚分のシートを作成しています")
    content = printouts.card_sheets_pdf(cards)
    ctx.attach_file(
        name=f"当日準備_{office.name}_{date:%Y%m%d}_シート.pdf",
        content=content,
        content_type="application/pdf",
    )
    audit_record(
        actor=User.objects.get(pk=user_id),
        action=AuditEvent.Action.PRINT,
        object_type="cards.card",
        detail={"printout": "day_sheets", "cards": len(cards), "office": office.code, "day": day},
    )
    ctx.set_result(summary={"枚数": len(cards)})

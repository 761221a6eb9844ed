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

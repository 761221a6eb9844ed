"""The nightly retention run (docs/operations.md): deletes what is past its period if the schedule in force was
approved, otherwise only counts (a dry run) so the city can review and approve."""

from __future__ import annotations

from madoguchi.jobs.registry import JobContext, job_kind


@job_kind(
    "retention.purge",
    title="保存期間を過ぎた個人情報の削除",
    permission="retention.view_deletionrecord",
    schedule="daily 02:00",
    timeout_seconds=3600,
)
def purge(ctx: JobContext, *, dry_run: bool = False) -> None:
    from .services import approval_current, retention_run

    real = not dry_run and approval_current() is not None
    records = retention_run(dry_run=not real, progress=ctx.progress)
    ctx.set_result(
        summary={("削除・匿名化" if real else "試算（削除なし）"): sum(r.count for r in records)},
        url="/retention/",
    )

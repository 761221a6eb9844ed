"""The jobs app's own periodic work: finished jobs' result files are removed after their retention period."""

from __future__ import annotations

from .registry import JobContext, job_kind


@job_kind(
    "jobs.purge_finished",
    title="終了した処理の結果ファイルの削除",
    schedule="daily 03:10",
    timeout_seconds=1800,
)
def purge_finished(ctx: JobContext) -> None:
    from .services import job_purge_finished

    count = job_purge_finished()
    ctx.set_result(summary={"削除した処理": count})

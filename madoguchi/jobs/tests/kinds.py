"""Job kinds used only by the tests (registered when a test module imports this)."""

from __future__ import annotations

from typing import Any

from madoguchi.jobs.registry import JobContext, JobError, job_kind

ABANDONED: list[dict[str, Any]] = []


@job_kind("test.build", title="テスト文書の作成", permission="jobs.view_all_jobs", cancellable=True)
def build(ctx: JobContext, *, rows: int) -> None:
    for done in range(rows):
        ctx.progress(done=done, total=rows, message=f"{done}行目")
    ctx.attach_file(name="テスト文書.csv", content=b"a,b\n" * rows, content_type="text/csv")
    ctx.set_result(summary={"行数": rows}, url="/jobs/")


@job_kind("test.print", title="テスト帳票（個人情報）", permission="cards.print_cards")
def print_out(ctx: JobContext) -> None:
    ctx.attach_file(name="本人確認シート.pdf", content=b"%PDF-1.4 personal", content_type="application/pdf")
    ctx.set_result(summary={"枚数": 1})


def _forget(params: dict[str, Any]) -> None:
    ABANDONED.append(params)


@job_kind("test.refuse", title="失敗する処理", on_abandon=_forget)
def refuse(ctx: JobContext, *, reason: str) -> None:
    raise JobError(reason)


@job_kind("test.crash", title="落ちる処理", on_abandon=_forget)
def crash(ctx: JobContext) -> None:
    raise RuntimeError("bug with a detail nobody should read")


@job_kind("test.cancel_self", title="取り消される処理", cancellable=True, on_abandon=_forget)
def cancel_self(ctx: JobContext) -> None:
    from madoguchi.jobs.models import Job

    Job.objects.filter(pk=ctx.job_id).update(cancel_requested=True)
    ctx.progress(done=1, total=2)


@job_kind("test.nightly", title="夜間の定期処理", schedule="daily 02:00")
def nightly(ctx: JobContext) -> None:
    ctx.set_result(summary={"ok": 1})


@job_kind("test.slow", title="時間のかかる処理", timeout_seconds=60, on_abandon=_forget)
def slow(ctx: JobContext, *, plan_id: int) -> None:
    ctx.progress(done=1, total=1)

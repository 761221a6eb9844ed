"""Accounts' periodic work: expired sessions are removed nightly (the database session store keeps them)."""

from __future__ import annotations

from madoguchi.jobs.registry import JobContext, job_kind


@job_kind(
    "accounts.clear_sessions", title="期限切れセッションの削除", schedule="daily 02:30", timeout_seconds=900
)
def clear_sessions(ctx: JobContext) -> None:
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    ctx.set_result(summary={"削除したセッション": deleted})

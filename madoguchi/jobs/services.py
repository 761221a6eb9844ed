"""Starting, running, cancelling and reaping jobs. The web process only starts jobs (one INSERT and an enqueue
after commit); a worker (`madoguchi db_worker`) runs them; the scheduler starts periodic kinds and reaps jobs
whose worker died."""

from __future__ import annotations

import json
import logging
import uuid
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.db.models.functions import Greatest
from django.utils import timezone

from madoguchi.accounts.models import User
from madoguchi.accounts.services import audit_record
from madoguchi.lib.privacy import contains_individual_number

from .models import Job, ScheduledRun
from .registry import KINDS, JobCancelled, JobError, kind_get, schedule_period

logger = logging.getLogger(__name__)

STALE_MESSAGE = (
    "処理が応答しなくなったため中断しました（処理担当のワーカーが停止した可能性があります）。"
    "途中までの結果は保存されていません。もう一度実行してください。"
)
INTERNAL_MESSAGE = "内部エラーのため処理が失敗しました（処理番号 {job_id}）。途中までの結果は保存されていません。システム管理者に処理番号をお伝えください。"


class JobAlreadyRunning(Exception):
    """A job with the same lock key is queued or running; `job` is that one."""

    def __init__(self, job: Job) -> None:
        super().__init__(f"{job.title}は実行中です（{job.get_state_display()}）。終わるまでお待ちください。")
        self.job = job


def _check_params(value: Any, path: str = "params") -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _check_params(item, f"{path}.{key}")
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _check_params(item, f"{path}[{index}]")
    elif isinstance(value, str) and contains_individual_number(value):
        raise ValueError(f"job {path} must not contain personal numbers")


def _enqueue(job_id: uuid.UUID) -> None:
    from .tasks import run_job

    run_job.enqueue(str(job_id))


@transaction.atomic
def job_start(*, kind: str, params: dict[str, Any], user: User | None, lock_key: str = "") -> Job:
    """Queue a job. Raises JobAlreadyRunning when a job with `lock_key` is queued or running."""
    job_kind = kind_get(kind)
    _check_params(params)
    json.dumps(params)  # refuse what the queue could not carry, here rather than in the worker
    if lock_key:
        job_reap_stale(lock_key=lock_key)
    try:
        with transaction.atomic():
            job = Job.objects.create(
                kind=kind, title=job_kind.title, params=params, lock_key=lock_key, started_by=user
            )
    except IntegrityError:
        running = Job.objects.filter(lock_key=lock_key, state__in=Job.ACTIVE_STATES).first()
        if running is None:  # finished between our insert and this read: the caller may simply retry
            raise
        raise JobAlreadyRunning(running) from None
    audit_record(actor=user, action="create", obj=job, detail={"kind": kind, "lock_key": lock_key})
    transaction.on_commit(lambda: _enqueue(job.pk))
    return job


@transaction.atomic
def job_cancel(*, job: Job, user: User) -> Job:
    """Ask a job to stop. A queued job stops at once; a running one at its next progress report."""
    if not kind_get(job.kind).cancellable:
        raise JobError("この処理は途中で取り消せません。")
    job = Job.objects.select_for_update().get(pk=job.pk)
    if not job.is_active:
        raise JobError(f"この処理はすでに終わっています（{job.get_state_display()}）。")
    if job.state == Job.State.QUEUED:
        _finish(job, state=Job.State.CANCELLED, error="開始前に取り消しました。")
    else:
        Job.objects.filter(pk=job.pk).update(cancel_requested=True)
    audit_record(actor=user, action="update", obj=job, detail={"cancel": True})
    job.refresh_from_db()
    return job


def _finish(job: Job, *, state: str, error: str = "") -> bool:
    """Move an active job to a final state; False if something else already finished it."""
    updated = Job.objects.filter(pk=job.pk, state__in=Job.ACTIVE_STATES).update(
        state=state, finished_at=timezone.now(), error_message=error
    )
    return bool(updated)


def _abandon(job: Job) -> None:
    """Run the kind's clean-up for a job that did not finish (e.g. delete an import batch's personal data)."""
    kind = KINDS.get(job.kind)
    if kind is None or kind.on_abandon is None:
        return
    try:
        kind.on_abandon(job.params)
    except Exception:  # clean-up of a failed job must not hide the job's own failure (logged)
        logger.exception("job %s: clean-up after failure failed", job.pk)


def job_execute(*, job_id: str | uuid.UUID) -> Job:
    """Run one queued job in this process (the worker's task body). Never raises for the job's own failure."""
    now = timezone.now()
    claimed = Job.objects.filter(pk=job_id, state=Job.State.QUEUED).update(
        state=Job.State.RUNNING, started_at=now, heartbeat_at=now
    )
    job = Job.objects.get(pk=job_id)
    if not claimed:  # cancelled before it started, or already taken by another worker
        return job
    from .registry import JobContext

    kind = kind_get(job.kind)
    context = JobContext(job.pk)
    logger.info("job %s (%s) started", job.pk, job.kind)
    try:
        kind.function(context, **job.params)
    except JobCancelled:
        _finish(job, state=Job.State.CANCELLED, error="取り消しました。途中までの結果は保存されていません。")
        _abandon(job)
    except JobError as exc:
        _finish(job, state=Job.State.FAILED, error=str(exc))
        _abandon(job)
    except Exception:  # the runner's boundary: any failure ends the job as failed, with a code (logged)
        logger.exception("job %s (%s) failed", job.pk, job.kind)
        _finish(job, state=Job.State.FAILED, error=INTERNAL_MESSAGE.format(job_id=str(job.pk)[:8]))
        _abandon(job)
    else:
        if _finish(job, state=Job.State.DONE):  # a finished job shows a full bar
            Job.objects.filter(pk=job.pk).update(progress_done=Greatest("progress_done", "progress_total"))
        logger.info("job %s (%s) done", job.pk, job.kind)
    job.refresh_from_db()
    return job


def job_reap_stale(*, lock_key: str | None = None, now: datetime | None = None) -> int:
    """Mark running jobs whose heartbeat is older than their kind's timeout as failed (their worker died)."""
    now = now or timezone.now()
    running = Job.objects.filter(state=Job.State.RUNNING)
    if lock_key is not None:
        running = running.filter(lock_key=lock_key)
    reaped = 0
    for job in running:
        kind = KINDS.get(job.kind)
        timeout = timedelta(seconds=kind.timeout_seconds if kind else 3600)
        last = job.heartbeat_at or job.started_at or job.created_at
        if last < now - timeout and _finish(job, state=Job.State.FAILED, error=STALE_MESSAGE):
            logger.warning("job %s (%s) reaped: no heartbeat since %s", job.pk, job.kind, last.isoformat())
            _abandon(job)
            reaped += 1
    return reaped


def schedule_tick(*, now: datetime | None = None) -> list[Job]:
    """Start every periodic kind that is due. Safe on several servers at once: one ScheduledRun per period."""
    now = now or timezone.now()
    local = timezone.localtime(now)
    started: list[Job] = []
    for kind in sorted(KINDS.values(), key=lambda k: k.name):
        if not kind.schedule:
            continue
        period = schedule_period(kind.schedule, local)
        if period is None:
            continue
        try:
            with transaction.atomic():
                run = ScheduledRun.objects.create(kind=kind.name, period=period)
                job = job_start(kind=kind.name, params={}, user=None, lock_key=f"schedule:{kind.name}")
                run.job = job
                run.save(update_fields=["job"])
        except IntegrityError:
            continue  # another scheduler took this period
        except JobAlreadyRunning:
            logger.info("scheduled %s: previous run still active, period %s skipped", kind.name, period)
            ScheduledRun.objects.get_or_create(kind=kind.name, period=period)
            continue
        started.append(job)
    return started


def job_purge_finished(*, older_than_days: int | None = None, now: datetime | None = None) -> int:
    """Delete finished jobs and their files after the retention period (results are copies, not records)."""
    from django.core.files.storage import default_storage

    days = older_than_days if older_than_days is not None else settings.MADOGUCHI_JOB_RESULT_DAYS
    cutoff = (now or timezone.now()) - timedelta(days=days)
    old = Job.objects.filter(~Q(state__in=Job.ACTIVE_STATES), finished_at__lt=cutoff)
    count = 0
    for job in old:
        if job.result_file:
            default_storage.delete(job.result_file)
        job.delete()
        count += 1
    ScheduledRun.objects.filter(created_at__lt=cutoff).delete()
    return count

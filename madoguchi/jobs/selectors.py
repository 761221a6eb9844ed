"""Reading jobs: the latest for a lock key (to show progress beside what it works on) and who may see one."""

from __future__ import annotations

from django.db.models import QuerySet

from madoguchi.accounts.models import User

from .models import Job
from .registry import KINDS


def job_latest(*, lock_key: str) -> Job | None:
    """The most recent job for `lock_key` (active or finished), or None if there never was one."""
    return Job.objects.filter(lock_key=lock_key).order_by("-created_at").first()


def job_visible_to(*, job: Job, user: User) -> bool:
    """The starter, holders of the kind's permission, and managers with view_all_jobs."""
    if job.started_by_id == user.pk or user.has_perm("jobs.view_all_jobs"):
        return True
    kind = KINDS.get(job.kind)
    return bool(kind and kind.permission and user.has_perm(kind.permission))


def job_file_visible_to(*, job: Job, user: User) -> bool:
    """Whether `user` may download the job's file: its starter or a holder of the kind's permission.

    `view_all_jobs` shows a job's progress, not its file (an administrator watches the workers but must not
    download a print-out of residents' personal data: docs/security.md, least privilege).
    """
    if job.started_by_id is not None and job.started_by_id == user.pk:
        return True
    kind = KINDS.get(job.kind)
    return bool(kind and kind.permission and user.has_perm(kind.permission))


def jobs_for(*, user: User) -> QuerySet[Job]:
    jobs = Job.objects.select_related("started_by").order_by("-created_at")
    if user.has_perm("jobs.view_all_jobs"):
        return jobs
    return jobs.filter(started_by=user)

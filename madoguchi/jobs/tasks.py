"""The one django-tasks task: run a Job row. The queue (database backend, or RQ) carries only the job's id."""

from __future__ import annotations

from django_tasks import task


@task()
def run_job(job_id: str) -> str:
    from .services import job_execute

    return job_execute(job_id=job_id).state

"""Tests run jobs in-process: `run_queued_jobs()` executes every queued job (no worker, no queue backend)."""

from __future__ import annotations

from .models import Job
from .services import job_execute


def run_queued_jobs() -> list[Job]:
    """Run every queued job, oldest first, including jobs that those jobs queue; return them finished."""
    finished: list[Job] = []
    while True:
        job = Job.objects.filter(state=Job.State.QUEUED).order_by("created_at").first()
        if job is None:
            return finished
        finished.append(job_execute(job_id=job.pk))

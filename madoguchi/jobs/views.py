"""The job page (progress, then the result), the download, cancel, and the list of one's jobs."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.views.decorators.http import require_POST

from madoguchi.accounts.services import audit_record
from madoguchi.lib.htmx import render_page_or_fragment

from .models import Job
from .registry import KINDS, JobError
from .selectors import job_file_visible_to, job_visible_to, jobs_for
from .services import job_cancel, job_reap_stale

# A queued job no worker has taken after this long: say so instead of letting the bar sit still.
WAITING_HINT_SECONDS = 30


def _job_for(request: HttpRequest, pk: Any) -> Job:
    job = get_object_or_404(Job.objects.select_related("started_by"), pk=pk)
    if not job_visible_to(job=job, user=request.user):  # type: ignore[arg-type]
        raise PermissionDenied("この処理を見る権限がありません。")
    return job


def _context(job: Job) -> dict[str, Any]:
    kind = KINDS.get(job.kind)
    waiting = (
        job.state == Job.State.QUEUED
        and (timezone.now() - job.created_at).total_seconds() > WAITING_HINT_SECONDS
    )
    return {"job": job, "cancellable": bool(kind and kind.cancellable), "waiting_long": waiting}


def detail(request: HttpRequest, pk: Any) -> HttpResponse:
    job = _job_for(request, pk)
    if job.state == Job.State.RUNNING and job_reap_stale(lock_key=job.lock_key or None):
        job.refresh_from_db()
    return render_page_or_fragment(request, "jobs/job_detail.html", "jobs/_job.html", _context(job))


@require_POST
def cancel(request: HttpRequest, pk: Any) -> HttpResponse:
    job = _job_for(request, pk)
    try:
        job = job_cancel(job=job, user=request.user)  # type: ignore[arg-type]
    except JobError as exc:
        messages.error(request, str(exc))
    else:
        messages.info(request, "取り消しを受け付けました。処理は次の区切りで止まります。")
    return redirect(job)


def download(request: HttpRequest, pk: Any) -> FileResponse:
    job = _job_for(request, pk)
    if job.state != Job.State.DONE or not job.result_file:
        raise Http404("この処理にはダウンロードできるファイルがありません。")
    if not job_file_visible_to(job=job, user=request.user):  # type: ignore[arg-type]
        raise PermissionDenied("この処理のファイルをダウンロードする権限がありません。")
    audit_record(
        actor=request.user,  # type: ignore[arg-type]
        action="export",
        obj=job,
        request=request,
        detail={"kind": job.kind, "sha256": job.result_sha256},
    )
    response = FileResponse(
        default_storage.open(job.result_file, "rb"),
        as_attachment=True,
        filename=job.result_name or job.result_file.rsplit("/", 1)[-1],
        content_type=job.result_content_type or "application/octet-stream",
    )
    response["Cache-Control"] = "no-store"
    return response


def job_list(request: HttpRequest) -> HttpResponse:
    jobs = jobs_for(user=request.user)  # type: ignore[arg-type]
    state = request.GET.get("state", "")
    if state in Job.State.values:
        jobs = jobs.filter(state=state)
    page = Paginator(jobs, 50).get_page(request.GET.get("page"))
    return render_page_or_fragment(
        request,
        "jobs/job_list.html",
        "jobs/_job_table.html",
        {"page": page, "state": state, "states": Job.State.choices, "total": page.paginator.count},
    )

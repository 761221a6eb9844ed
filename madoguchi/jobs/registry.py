"""Job kinds: each app declares its long work with `@job_kind` in `<app>/jobs.py`.

The function receives a `JobContext` and its keyword parameters. It reports progress (which is also the
heartbeat and the point where a cancel takes effect), may attach one result file, and raises `JobError` with a
Japanese message for failures the user should read. Heavy work runs outside transactions; the result is written
in one short `transaction.atomic` at the end, so a job killed half-way leaves the previous state intact.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from .models import Job

SCHEDULE_RE = re.compile(r"^(?:daily (?P<hh>\d{1,2}):(?P<mm>\d{2})|hourly|every (?P<n>\d+) minutes)$")


class JobError(Exception):
    """A failure the user should read: the message is Japanese and says what to do."""


class JobCancelled(Exception):
    """Raised inside the job when its cancel was asked for."""


@dataclass(frozen=True)
class JobKind:
    name: str
    title: str
    function: Callable[..., None]
    permission: str | None
    timeout_seconds: int
    cancellable: bool
    on_abandon: Callable[[dict[str, Any]], None] | None
    schedule: str | None


KINDS: dict[str, JobKind] = {}


def job_kind(
    name: str,
    *,
    title: str,
    permission: str | None = None,
    timeout_seconds: int = 900,
    cancellable: bool = False,
    on_abandon: Callable[[dict[str, Any]], None] | None = None,
    schedule: str | None = None,
) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Register `function` as the job kind `name` ("<app>.<what>")."""
    if schedule is not None and not SCHEDULE_RE.match(schedule):
        raise ValueError(f"job {name}: schedule must be 'daily HH:MM', 'hourly' or 'every N minutes'")

    def register(function: Callable[..., None]) -> Callable[..., None]:
        existing = KINDS.get(name)
        if existing is not None and existing.function.__qualname__ != function.__qualname__:
            raise ValueError(f"job kind {name} is registered twice")
        KINDS[name] = JobKind(
            name=name,
            title=title,
            function=function,
            permission=permission,
            timeout_seconds=timeout_seconds,
            cancellable=cancellable,
            on_abandon=on_abandon,
            schedule=schedule,
        )
        return function

    return register


def kind_get(name: str) -> JobKind:
    try:
        return KINDS[name]
    except KeyError:
        raise LookupError(f"unknown job kind {name!r} (is it declared in an app's jobs.py?)") from None


def _storage_name(name: str) -> str:
    # The stored name is ASCII (S3 keys, file systems); the person sees `result_name`.
    suffix = re.sub(r"[^A-Za-z0-9.]", "", name.rsplit(".", 1)[-1])[:10] if "." in name else "bin"
    return f"result.{suffix or 'bin'}"


class JobContext:
    """What a running job may do to its own row. Writes go through UPDATE so they never clobber a cancel."""

    def __init__(self, job_id: Any) -> None:
        self.job_id = job_id
        self._summary: dict[str, Any] = {}

    def _job_qs(self) -> QuerySet[Job]:
        from .models import Job

        return Job.objects.filter(pk=self.job_id)

    def progress(self, *, done: int, total: int = 0, message: str = "") -> None:
        """Record progress and the heartbeat; raise JobCancelled if someone asked to cancel.

        Call it outside `transaction.atomic` blocks: inside one, the progress is invisible until commit.
        """
        self._job_qs().update(
            progress_done=max(0, int(done)),
            progress_total=max(0, int(total)),
            progress_message=message[:300],
            heartbeat_at=timezone.now(),
        )
        self.check_cancelled()

    def check_cancelled(self) -> None:
        if self._job_qs().filter(cancel_requested=True).exists():
            raise JobCancelled()

    def attach_file(self, *, name: str, content: bytes, content_type: str) -> None:
        """Store the result file through Django's storage API (local disk, or S3-compatible in production)."""
        stored = default_storage.save(f"jobs/{self.job_id}/{_storage_name(name)}", ContentFile(content))
        self._job_qs().update(
            result_file=stored,
            result_name=name[:200],
            result_content_type=content_type[:100],
            result_size=len(content),
            result_sha256=hashlib.sha256(content).hexdigest(),
        )

    def set_result(self, *, summary: dict[str, Any] | None = None, url: str = "") -> None:
        """A small JSON summary (counts, no personal data) and a link to what the job produced."""
        fields: dict[str, Any] = {}
        if summary is not None:
            fields["result_summary"] = summary
        if url:
            fields["result_url"] = url[:300]
        if fields:
            self._job_qs().update(**fields)


def schedule_period(schedule: str, now_local: Any) -> str | None:
    """The period a schedule is due for at `now_local` (a local datetime), or None before the day's time."""
    match = SCHEDULE_RE.match(schedule)
    if match is None:  # pragma: no cover - validated at registration
        raise ValueError(schedule)
    if match.group("hh") is not None:
        due = now_local.replace(
            hour=int(match.group("hh")), minute=int(match.group("mm")), second=0, microsecond=0
        )
        return now_local.date().isoformat() if now_local >= due else None
    if schedule == "hourly":
        return now_local.strftime("%Y-%m-%dT%H")
    minutes = int(match.group("n"))
    start_of_day = now_local.replace(hour=0, minute=0, second=0, microsecond=0)
    slot = int((now_local - start_of_day) / timedelta(minutes=minutes))
    return f"{now_local.date().isoformat()}/{slot}"

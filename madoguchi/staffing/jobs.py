"""Background jobs of the staffing app: solving the month's roster (all offices at once)."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from madoguchi.accounts.models import User
from madoguchi.jobs.registry import JobContext, JobError, job_kind

from . import forecast, services
from .models import Roster


@job_kind(
    "staffing.solve",
    title="シフト表の作成",
    permission="staffing.manage_plan",
    timeout_seconds=900,
    cancellable=True,
)
def solve_roster(ctx: JobContext, *, roster_id: int, user_id: int | None = None) -> None:
    """Solve (or re-solve with minimal change, once published) the month's roster. The solver runs outside any
    transaction; the roster is written in one transaction at the end, so a killed job leaves it as it was."""
    roster = Roster.objects.filter(pk=roster_id).first()
    if roster is None:
        raise JobError("シフト表が見つかりません（削除された可能性があります）。")
    by = User.objects.filter(pk=user_id).first() if user_id else None
    ctx.progress(done=0, total=4, message="条件を読み込み中")

    def progress(done: int, total: int, message: str) -> None:
        ctx.progress(done=done, total=total, message=message)

    try:
        roster = services.roster_solve(
            roster=roster,
            by=by,
            time_limit_seconds=float(getattr(settings, "MADOGUCHI_STAFFING_SOLVER_SECONDS", 45)),
            num_workers=int(getattr(settings, "MADOGUCHI_STAFFING_SOLVER_WORKERS", 1)),
            progress=progress,
        )
    except forecast.ForecastError as exc:
        raise JobError(str(exc)) from exc
    ctx.progress(done=4, total=4, message="保存しました")
    ctx.set_result(
        summary={
            "結果": roster.status_sentence,
            "不足（人×15分）": roster.short_slots,
            "公開済みシフトの変更": len(roster.changes),
            "版": roster.version,
        },
        url=reverse("staffing:roster", kwargs={"year": roster.year, "month": roster.month}),
    )

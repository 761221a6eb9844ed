"""Reports JSON: a month's (or fiscal year's) figures and the call table, for other systems and checks.
Figures only: the appendix (item numbers) stays in the audited screen and files."""

from __future__ import annotations

from typing import Any

from ninja import Router
from ninja.errors import HttpError

from madoguchi.accounts.models import AuditEvent
from madoguchi.accounts.services import audit_record

from . import services
from .models import MonthlyReport

router = Router(tags=["reports"])


@router.get("/reports/monthly/{ym}", summary="月報の数値（当月または年度累計）")
def monthly(request, ym: str, scope: str = "month") -> dict[str, Any]:
    if not request.user.has_perm("reports.view_monthlyreport"):
        raise HttpError(403, "この操作を行う権限がありません。")
    from .views import parse_month

    try:
        year, month = parse_month(ym)
        data = services.monthly_report_build(
            year=year, month=month, scope="fiscal_year" if scope == "fiscal_year" else "month", appendix=False
        )
    except services.ReportError as exc:
        raise HttpError(400, str(exc)) from None
    audit_record(
        actor=request.user,
        action=AuditEvent.Action.VIEW,
        object_type="reports.monthlyreport",
        object_id=data.ym,
        request=request,
        detail={"scope": data.scope, "api": True},
    )
    submission: MonthlyReport | None = data.submission
    return {
        "title": data.title,
        "period": {
            "start": data.period.start.isoformat(),
            "end": data.period.end.isoformat(),
            "label": data.period.label,
        },
        "in_progress": data.in_progress,
        "call_table": {
            "header": data.call_section.tables[0].header if data.call_rows else [],
            "rows": data.call_rows,
            "total": data.call_section.tables[0].total if data.call_rows else None,
        },
        "figures": data.figures,
        "problems": data.problems,
        "submitted_at": submission.submitted_at.isoformat() if submission else None,
        "changed_since_submission": [
            {"key": c.key, "label": c.label, "submitted": c.submitted, "now": c.now} for c in data.changes
        ],
    }

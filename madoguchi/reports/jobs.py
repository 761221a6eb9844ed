"""Reports' long work as background jobs: the month's submission (鑑 + 別紙, PDF and XLSX stored with their
SHA-256), draft documents for a month or a fiscal year, and the handover package."""

from __future__ import annotations

from madoguchi.accounts.models import User
from madoguchi.jobs.registry import JobContext, JobError, job_kind

PDF = "application/pdf"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _starter(ctx: JobContext) -> User:
    from madoguchi.jobs.models import Job

    user = Job.objects.select_related("started_by").get(pk=ctx.job_id).started_by
    if user is None:
        raise JobError("このジョブを始めた人が分からないため、提出できません。画面から始め直してください。")
    return user


@job_kind(
    "reports.monthly_submit",
    title="月報の提出（鑑・別紙の作成と保存）",
    permission="reports.view_monthlyreport",
    timeout_seconds=600,
)
def monthly_submit(ctx: JobContext, *, year: int, month: int) -> None:
    """Build and store the month's 初版 or next 訂正版; nothing is stored unless everything was built."""
    from django.urls import reverse

    from .models import MonthClose
    from .services import ReportError, monthly_report_submit

    user = _starter(ctx)
    close = MonthClose.objects.filter(year=year, month=month).first()
    reason = close.correction_reason if close is not None else ""
    ctx.progress(done=0, total=2, message="鑑と別紙（PDF・Excel）を作成しています")
    try:
        version = monthly_report_submit(by=user, year=year, month=month, reason=reason)
    except ReportError as exc:
        raise JobError(str(exc)) from None
    ctx.progress(done=2, total=2, message="保存しました")
    ctx.attach_file(name=version.filename("pdf"), content=bytes(version.pdf), content_type=PDF)
    ctx.set_result(
        summary={
            "版": version.label,
            "PDF SHA-256": version.pdf_sha256[:16],
            "XLSX SHA-256": version.xlsx_sha256[:16],
        },
        url=f"{reverse('reports:monthly')}?month={year:04d}-{month:02d}",
    )


@job_kind(
    "reports.monthly_document",
    title="月報・年度累計の作成（PDF・Excel）",
    permission="reports.view_monthlyreport",
    timeout_seconds=600,
)
def monthly_document(
    ctx: JobContext, *, year: int, month: int, scope: str = "month", fmt: str = "pdf"
) -> None:
    """A draft of the month's report (or the fiscal year to that month) as printed from the screen."""
    from .render.pdf import report_pdf
    from .render.xlsx import report_xlsx
    from .services import ReportError, monthly_report_build, report_export_record

    if fmt not in ("pdf", "xlsx") or scope not in ("month", "fiscal_year"):
        raise JobError("形式または範囲の指定が正しくありません。")
    ctx.progress(done=0, total=2, message="集計しています")
    try:
        data = monthly_report_build(year=year, month=month, scope=scope)
    except ReportError as exc:
        raise JobError(str(exc)) from None
    ctx.progress(done=1, total=2, message="文書を作成しています")
    content = report_pdf(data) if fmt == "pdf" else report_xlsx(data)
    report_export_record(by=_starter(ctx), data=data, fmt=fmt)
    prefix = "年度累計" if scope == "fiscal_year" else "月報"
    ctx.attach_file(
        name=f"{prefix}_{data.ym}.{fmt}", content=content, content_type=PDF if fmt == "pdf" else XLSX
    )
    ctx.set_result(summary={"別紙の件数": len(data.appendix.rows)})


@job_kind(
    "reports.handover",
    title="引継ぎ資料（ZIP）の作成",
    permission="reports.produce_reports",
    timeout_seconds=900,
)
def handover(ctx: JobContext, *, include_personal: bool = False, request_audit_id: int | None = None) -> None:
    """The handover ZIP. With personal data, the reason was recorded in the audit trail when it was asked for
    (job parameters carry ids only)."""
    from madoguchi.accounts.models import AuditEvent

    from .services import ReportError, handover_generate

    reason = ""
    if include_personal:
        asked = AuditEvent.objects.filter(
            pk=request_audit_id or 0, object_type="reports.handover_request"
        ).first()
        if asked is None:
            raise JobError("個人情報を含める理由の記録が見つかりません。画面から作成し直してください。")
        reason = str(asked.detail.get("reason", ""))
    ctx.progress(done=0, total=1, message="引継ぎ資料を作成しています")
    try:
        package = handover_generate(by=_starter(ctx), include_personal=include_personal, reason=reason)
    except ReportError as exc:
        raise JobError(str(exc)) from None
    ctx.attach_file(name=package.filename, content=package.content, content_type="application/zip")
    ctx.set_result(summary={"ファイル数": len(package.files), "未完了案件": sum(package.counts.values())})


@job_kind(
    "reports.plan_document",
    title="業務計画書の作成（PDF・Word）",
    permission="reports.view_operationsplan",
    timeout_seconds=600,
)
def plan_document(ctx: JobContext, *, plan_id: int, fmt: str = "pdf") -> None:
    """The operations plan as PDF or DOCX (the frozen content once submitted, else generated now)."""
    from .models import OperationsPlan
    from .render.plan import plan_docx, plan_pdf
    from .services import plan_content_now, plan_export_record

    plan = OperationsPlan.objects.filter(pk=plan_id).first()
    if plan is None or fmt not in ("pdf", "docx"):
        raise JobError("業務計画書または形式の指定が正しくありません。")
    ctx.progress(done=0, total=1, message="業務計画書を作成しています")
    content = plan_content_now(plan)
    body = plan_docx(plan, content) if fmt == "docx" else plan_pdf(plan, content)
    plan_export_record(by=_starter(ctx), plan=plan, fmt=fmt)
    mime = "application/vnd.openxmlformats-officedocument.wordprocessingml.document" if fmt == "docx" else PDF
    ctx.attach_file(
        name=f"業務計画書_{plan.fiscal_year}年度_第{plan.version}版.{fmt}", content=body, content_type=mime
    )


@job_kind(
    "reports.manual_document",
    title="業務手順書（PDF）の作成",
    permission="reports.view_manualrevision",
    timeout_seconds=600,
)
def manual_document(ctx: JobContext) -> None:
    """The 業務手順書 as printed: approved versions, screenshots, 改訂履歴."""
    from django.utils import timezone

    from madoguchi.accounts.models import AuditEvent
    from madoguchi.accounts.services import audit_record

    from .manual import manual_pdf
    from .models import ContractSettings

    ctx.progress(done=0, total=1, message="業務手順書を作成しています")
    contract = ContractSettings.objects.order_by("pk").values_list("city_name", "contract_name").first() or ()
    content = manual_pdf(printed_at=timezone.now(), contract_line=" ".join(contract))
    audit_record(
        actor=_starter(ctx),
        action=AuditEvent.Action.EXPORT,
        object_type="reports.manual",
        detail={"format": "pdf", "bytes": len(content)},
    )
    ctx.attach_file(name="業務手順書.pdf", content=content, content_type=PDF)

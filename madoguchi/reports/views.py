from __future__ import annotations

import datetime

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from madoguchi.accounts.access import require_perm
from madoguchi.lib.exports import download
from madoguchi.lib.htmx import render_page_or_fragment

from . import services
from .models import MonthlyReport
from .render import charts
from .render.pdf import report_pdf
from .render.xlsx import report_xlsx

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _last_month(today: datetime.date) -> str:
    first = today.replace(day=1) - datetime.timedelta(days=1)
    return first.strftime("%Y-%m")


def parse_month(value: str | None) -> tuple[int, int]:
    """2026-04 (or 2026/4); raises ReportError with a Japanese message."""
    text = (value or "").strip().replace("/", "-")
    try:
        year_text, month_text = text.split("-", 1)
        year, month = int(year_text), int(month_text)
    except ValueError:
        raise services.ReportError(f"「{value}」は年月として読めません（例: 2026-04）。") from None
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        raise services.ReportError(f"「{value}」は年月として読めません（例: 2026-04）。")
    return year, month


def _scope(request: HttpRequest) -> str:
    return "fiscal_year" if request.GET.get("scope") == "fiscal_year" else "month"


@require_perm("reports.view_monthlyreport")
def monthly(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    month_text = request.GET.get("month") or _last_month(today)
    scope = _scope(request)
    context: dict[str, object] = {"month_text": month_text, "scope": scope, "data": None, "error": ""}
    try:
        year, month = parse_month(month_text)
        data = services.monthly_report_build(year=year, month=month, scope=scope)
    except services.ReportError as exc:
        context["error"] = str(exc)
        status = 400 if request.GET.get("month") else 200
        return render_page_or_fragment(
            request, "reports/monthly.html", "reports/_report.html", context, status=status
        )
    services.report_view_record(by=request.user, data=data, request=request)  # type: ignore[arg-type]
    context.update(data=data, charts=charts.CHARTS, submissions=MonthlyReport.objects.all()[:24])
    return render_page_or_fragment(request, "reports/monthly.html", "reports/_report.html", context)


@require_perm("reports.view_monthlyreport")
def monthly_download(request: HttpRequest, ym: str, fmt: str) -> HttpResponse:
    if fmt not in ("xlsx", "pdf"):
        raise Http404
    try:
        year, month = parse_month(ym)
        data = services.monthly_report_build(year=year, month=month, scope=_scope(request))
    except services.ReportError as exc:
        return render(
            request,
            "reports/monthly.html",
            {"error": str(exc), "month_text": ym, "scope": "month"},
            status=400,
        )
    content = report_xlsx(data) if fmt == "xlsx" else report_pdf(data)
    services.report_export_record(by=request.user, data=data, fmt=fmt, request=request)  # type: ignore[arg-type]
    suffix = "年度累計" if data.scope == "fiscal_year" else "月報"
    filename = f"{suffix}_{data.ym}.{fmt}"
    return download(content, filename, XLSX if fmt == "xlsx" else "application/pdf")


@require_perm("reports.view_monthlyreport")
def monthly_chart(request: HttpRequest, ym: str, name: str) -> HttpResponse:
    if name not in charts.CHARTS:
        raise Http404
    try:
        year, month = parse_month(ym)
        data = services.monthly_report_build(year=year, month=month, scope=_scope(request), appendix=False)
    except services.ReportError:
        raise Http404 from None
    response = HttpResponse(charts.chart_png(data, name), content_type="image/png")
    response["Cache-Control"] = "private, max-age=60"
    return response


@require_perm("reports.submit_monthlyreport")
@require_POST
def monthly_submit(request: HttpRequest, ym: str) -> HttpResponse:
    try:
        year, month = parse_month(ym)
        services.monthly_report_submit(by=request.user, year=year, month=month)  # type: ignore[arg-type]
    except services.ReportError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"{services.era_month(year, month)}の月報を提出済にしました。")
    return redirect(f"{reverse('reports:monthly')}?month={ym}")


@require_perm("reports.receive_monthlyreport")
@require_POST
def monthly_receive(request: HttpRequest, ym: str) -> HttpResponse:
    year, month = parse_month(ym)
    report = get_object_or_404(MonthlyReport, year=year, month=month)
    try:
        services.monthly_report_receive(by=request.user, report=report)  # type: ignore[arg-type]
    except services.ReportError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"{services.era_month(year, month)}の月報の受領を確認しました。")
    return redirect(f"{reverse('reports:monthly')}?month={ym}")

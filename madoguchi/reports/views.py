from __future__ import annotations

import datetime
import re

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from madoguchi.accounts.access import check_perm, require_perm
from madoguchi.accounts.models import AuditEvent, User
from madoguchi.lib.exports import download
from madoguchi.lib.htmx import render_page_or_fragment
from madoguchi.lib.jdates import fiscal_year as fiscal_year_of
from madoguchi.lib.jdates import parse_date
from madoguchi.lib.text import nfkc

from . import services
from .forms import ContactForm, HandoverForm, PlanCreateForm, PlanDecisionForm, PlanForm
from .models import ContactEntry, MonthlyReport, OperationsPlan
from .render import charts
from .render.pdf import report_pdf
from .render.plan import plan_docx, plan_pdf
from .render.xlsx import report_xlsx

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _user(request: HttpRequest) -> User:
    """The signed-in staff member (every view here requires login; an anonymous request is refused)."""
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied
    return user


def _last_month(today: datetime.date) -> str:
    first = today.replace(day=1) - datetime.timedelta(days=1)
    return first.strftime("%Y-%m")


_MONTH_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?$")


def parse_month(value: str | None) -> tuple[int, int]:
    """2026-04, 2026/4, 2026年4月, 令和8年4月 (full-width too); raises ReportError in Japanese."""
    text = nfkc(value or "").strip().replace("－", "-").replace("ー", "-")
    error = services.ReportError(f"「{value}」は年月として読めません（例: 2026-04、令和8年4月）。")
    if match := _MONTH_RE.match(text):
        year, month = int(match.group(1)), int(match.group(2))
    else:
        # An era month (令和8年4月, R8.4): the first day read as a date gives the western year.
        try:
            first = parse_date(f"{text}1日" if text.endswith("月") else f"{text}.1")
        except ValueError:
            raise error from None
        year, month = first.year, first.month
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        raise error
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
        # <input type="month"> shows only yyyy-mm; a typed 2026/4 or 令和8年4月 would leave it blank.
        context["month_text"] = f"{year:04d}-{month:02d}"
        data = services.monthly_report_build(year=year, month=month, scope=scope)
    except services.ReportError as exc:
        context["error"] = str(exc)
        status = 400 if request.GET.get("month") else 200
        return render_page_or_fragment(
            request, "reports/monthly.html", "reports/_report.html", context, status=status
        )
    services.report_view_record(by=_user(request), data=data, request=request)
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
    services.report_export_record(by=_user(request), data=data, fmt=fmt, request=request)
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
        services.monthly_report_submit(by=_user(request), year=year, month=month)
    except services.ReportError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"{services.era_month(year, month)}の月報を提出済にしました。")
    return redirect(f"{reverse('reports:monthly')}?month={ym}")


@require_perm("reports.receive_monthlyreport")
@require_POST
def monthly_receive(request: HttpRequest, ym: str) -> HttpResponse:
    try:
        year, month = parse_month(ym)
    except services.ReportError:
        raise Http404 from None
    report = get_object_or_404(MonthlyReport, year=year, month=month)
    try:
        services.monthly_report_receive(by=_user(request), report=report)
    except services.ReportError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"{services.era_month(year, month)}の月報の受領を確認しました。")
    return redirect(f"{reverse('reports:monthly')}?month={ym}")


# --- operations plan ----------------------------------------------------------------------------


@require_perm("reports.view_operationsplan")
def plans(request: HttpRequest) -> HttpResponse:
    form = PlanCreateForm(request.POST or None, initial={"fiscal_year": fiscal_year_of(timezone.localdate())})
    if request.method == "POST":
        check_perm(request, "reports.add_operationsplan")
        if form.is_valid():
            try:
                plan = services.plan_create(by=_user(request), fiscal_year=form.cleaned_data["fiscal_year"])
            except services.ReportError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, f"{plan} を作成しました。")
                return redirect("reports:plan_detail", pk=plan.pk)
    return render(
        request,
        "reports/plans.html",
        {"plans": OperationsPlan.objects.select_related("submitted_by", "decided_by"), "form": form},
    )


@require_perm("reports.view_operationsplan")
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan = get_object_or_404(OperationsPlan, pk=pk)
    form = PlanForm(request.POST or None, instance=plan)
    if request.method == "POST":
        check_perm(request, "reports.change_operationsplan")
        if form.is_valid():
            try:
                services.plan_update(
                    by=_user(request),
                    plan=plan,
                    title=form.cleaned_data["title"],
                    policy=form.cleaned_data["policy"],
                )
            except services.ReportError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, "業務計画書を保存しました。")
                return redirect("reports:plan_detail", pk=plan.pk)
    context = {
        "plan": plan,
        "content": services.plan_content_now(plan),
        "form": form,
        "decision_form": PlanDecisionForm(),
    }
    return render(request, "reports/plan_detail.html", context)


@require_perm("reports.produce_reports")
@require_POST
def plan_submit(request: HttpRequest, pk: int) -> HttpResponse:
    plan = get_object_or_404(OperationsPlan, pk=pk)
    try:
        services.plan_submit(by=_user(request), plan=plan)
    except services.ReportError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "業務計画書を市へ提出しました（承諾待ち）。")
    return redirect("reports:plan_detail", pk=plan.pk)


@require_perm("reports.approve_operationsplan")
@require_POST
def plan_decide(request: HttpRequest, pk: int) -> HttpResponse:
    plan = get_object_or_404(OperationsPlan, pk=pk)
    form = PlanDecisionForm(request.POST)
    if form.is_valid():
        approve = form.cleaned_data["decision"] == "approve"
        try:
            services.plan_decide(
                by=_user(request), plan=plan, approve=approve, comment=form.cleaned_data["comment"]
            )
        except services.ReportError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request, "業務計画書を承諾しました。" if approve else "業務計画書を差し戻しました。"
            )
        return redirect("reports:plan_detail", pk=plan.pk)
    context = {
        "plan": plan,
        "content": services.plan_content_now(plan),
        "form": PlanForm(instance=plan),
        "decision_form": form,
    }
    return render(request, "reports/plan_detail.html", context, status=400)


@require_perm("reports.view_operationsplan")
def plan_download(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    plan = get_object_or_404(OperationsPlan, pk=pk)
    content = services.plan_content_now(plan)
    if fmt == "docx":
        body, mime = plan_docx(plan, content), DOCX
    elif fmt == "pdf":
        body, mime = plan_pdf(plan, content), "application/pdf"
    else:
        raise Http404
    services.plan_export_record(by=_user(request), plan=plan, fmt=fmt, request=request)
    return download(body, f"業務計画書_{plan.fiscal_year}年度_第{plan.version}版.{fmt}", mime)


@require_perm("reports.view_contactentry")
def contacts(request: HttpRequest) -> HttpResponse:
    form = ContactForm(request.POST or None)
    if request.method == "POST":
        check_perm(request, "reports.add_contactentry")
        if form.is_valid():
            services.contact_save(by=_user(request), **form.cleaned_data)
            messages.success(request, "連絡体制に追加しました。")
            return redirect("reports:contacts")
    entries = ContactEntry.objects.all()
    groups = [(label, [e for e in entries if e.path == value]) for value, label in ContactEntry.Path.choices]
    return render(request, "reports/contacts.html", {"form": form, "groups": groups})


@require_perm("reports.change_contactentry")
def contact_edit(request: HttpRequest, pk: int) -> HttpResponse:
    entry = get_object_or_404(ContactEntry, pk=pk)
    form = ContactForm(request.POST or None, instance=entry)
    if request.method == "POST" and form.is_valid():
        services.contact_save(by=_user(request), entry=entry, **form.cleaned_data)
        messages.success(request, "連絡体制を変更しました。")
        return redirect("reports:contacts")
    return render(request, "reports/contact_edit.html", {"form": form, "entry": entry})


@require_perm("reports.delete_contactentry")
@require_POST
def contact_delete(request: HttpRequest, pk: int) -> HttpResponse:
    entry = get_object_or_404(ContactEntry, pk=pk)
    services.contact_delete(by=_user(request), entry=entry)
    messages.success(request, "連絡体制から削除しました。")
    return redirect("reports:contacts")


# --- handover -----------------------------------------------------------------------------------


@require_perm("reports.produce_reports")
def handover(request: HttpRequest) -> HttpResponse:
    may_personal = request.user.has_perm("reports.handover_personal_data")
    form = HandoverForm(request.POST or None, may_include_personal=may_personal)
    if request.method == "POST" and form.is_valid():
        try:
            package = services.handover_generate(
                by=_user(request),
                include_personal=bool(form.cleaned_data.get("include_personal")),
                reason=form.cleaned_data.get("reason", ""),
                request=request,
            )
        except services.ReportError as exc:
            form.add_error(None, str(exc))
        else:
            return download(package.content, package.filename, "application/zip")
    tables = services.handover_tables(personal=False)
    history = AuditEvent.objects.filter(object_type="reports.handover").order_by("-at")[:20]
    return render(
        request,
        "reports/handover.html",
        {"form": form, "counts": [(t.caption, t.items) for t in tables], "history": history},
    )

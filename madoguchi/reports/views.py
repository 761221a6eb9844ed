from __future__ import annotations

import datetime
import re

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
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

from . import reconcile, services
from .forms import ContactForm, HandoverForm, PlanCreateForm, PlanDecisionForm, PlanForm
from .models import ContactEntry, MonthlyReport, OperationsPlan

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
    params = request.POST if request.method == "POST" else request.GET
    return "fiscal_year" if params.get("scope") == "fiscal_year" else "month"


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
    from .render.charts import CHARTS

    context.update(
        data=data,
        charts=CHARTS,
        # The last two years on the report page; the count says when older months exist.
        submissions=MonthlyReport.objects.all()[:24],
        submissions_total=MonthlyReport.objects.count(),
        versions=list(data.submission.versions.select_related("submitted_by", "received_by"))
        if data.submission
        else [],
        close=reconcile.month_close_get(year=year, month=month) if data.scope == "month" else None,
    )
    return render_page_or_fragment(request, "reports/monthly.html", "reports/_report.html", context)


def _start_job(
    request: HttpRequest, *, kind: str, params: dict[str, object], lock_key: str, back: str
) -> HttpResponse:
    from madoguchi.jobs.services import JobAlreadyRunning, job_start

    try:
        job = job_start(kind=kind, params=params, user=_user(request), lock_key=lock_key)
    except JobAlreadyRunning as exc:
        messages.info(request, "同じ作成がすでに実行中です。その進み具合を表示します。")
        return redirect(exc.job)
    del back
    return redirect(job)


@require_POST
@require_perm("reports.view_monthlyreport")
def monthly_download(request: HttpRequest, ym: str, fmt: str) -> HttpResponse:
    """A draft PDF/XLSX of the month (or fiscal year to it): built by a background job, then downloaded there.
    POST only: it starts work (a link prefetched or followed by a crawler must not)."""
    if fmt not in ("xlsx", "pdf"):
        raise Http404
    try:
        year, month = parse_month(ym)
        services.report_period(year=year, month=month)
    except services.ReportError as exc:
        return render(
            request,
            "reports/monthly.html",
            {"error": str(exc), "month_text": ym, "scope": "month"},
            status=400,
        )
    scope = _scope(request)
    return _start_job(
        request,
        kind="reports.monthly_document",
        params={"year": year, "month": month, "scope": scope, "fmt": fmt},
        lock_key=f"reports.document:{ym}:{scope}:{fmt}",
        back=reverse("reports:monthly"),
    )


@require_perm("reports.view_monthlyreport")
def monthly_version_download(request: HttpRequest, ym: str, number: int, fmt: str) -> HttpResponse:
    """Exactly the file handed to the city for this version (byte for byte; its SHA-256 is on the page)."""
    from .models import MonthlyReportVersion

    if fmt not in ("xlsx", "pdf"):
        raise Http404
    try:
        year, month = parse_month(ym)
    except services.ReportError:
        raise Http404 from None
    version = get_object_or_404(
        MonthlyReportVersion.objects.select_related("report"),
        report__year=year,
        report__month=month,
        number=number,
    )
    content = bytes(version.pdf if fmt == "pdf" else version.xlsx)
    from madoguchi.accounts.services import audit_record

    audit_record(
        actor=_user(request),
        action=AuditEvent.Action.EXPORT,
        obj=version.report,
        request=request,
        detail={"version": version.number, "format": fmt},
    )
    return download(content, version.filename(fmt), XLSX if fmt == "xlsx" else "application/pdf")


@require_perm("reports.view_monthlyreport")
def monthly_chart(request: HttpRequest, ym: str, name: str) -> HttpResponse:
    from .render import charts

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
    """Start the submission job (初版, or the next 訂正版 with its reason)."""
    from django.core.exceptions import ValidationError

    try:
        year, month = parse_month(ym)
        reconcile.month_correction_reason_set(
            by=_user(request), year=year, month=month, reason=request.POST.get("reason", "")
        )
    except services.ReportError as exc:
        messages.error(request, str(exc))
        return redirect(f"{reverse('reports:monthly')}?month={ym}")
    except ValidationError as exc:
        for error in exc.messages:
            messages.error(request, f"訂正の理由: {error}")
        return redirect(f"{reverse('reports:monthly')}?month={ym}")
    return _start_job(
        request,
        kind="reports.monthly_submit",
        params={"year": year, "month": month},
        lock_key=f"reports.month:{ym}",
        back=reverse("reports:monthly"),
    )


@require_perm("reports.receive_monthlyreport")
@require_POST
def monthly_receive(request: HttpRequest, ym: str) -> HttpResponse:
    from .models import MonthlyReportVersion

    try:
        year, month = parse_month(ym)
    except services.ReportError:
        raise Http404 from None
    version = get_object_or_404(
        MonthlyReportVersion, report__year=year, report__month=month, number=request.POST.get("number", -1)
    )
    try:
        services.monthly_report_receive(by=_user(request), version=version)
    except services.ReportError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, f"{services.era_month(year, month)}の月報（{version.label}）の受領を確認しました。"
        )
    return redirect(f"{reverse('reports:monthly')}?month={ym}")


@require_perm("reports.view_contractsettings")
def contract(request: HttpRequest) -> HttpResponse:
    """契約情報: addressee, contractor, representative, contract name and period (printed on every 鑑)."""
    from .forms import ContractForm
    from .models import ContractSettings

    instance = ContractSettings.objects.order_by("pk").first()
    form = ContractForm(request.POST or None, instance=instance)
    if request.method == "POST":
        check_perm(request, "reports.change_contractsettings")
        if form.is_valid():
            try:
                services.contract_save(by=_user(request), **form.cleaned_data)
            except services.ReportError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, "契約情報を保存しました。")
                return redirect("reports:contract")
    return render(request, "reports/contract.html", {"form": form, "contract": instance})


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
                    sections=form.sections(),
                )
            except services.ReportError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, "業務計画書を保存しました。")
                return redirect("reports:plan_detail", pk=plan.pk)
    content = services.plan_content_now(plan)
    context = {
        "plan": plan,
        "content": content,
        "missing": services.plan_missing(content) if plan.is_editable else [],
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
    """The plan as PDF or DOCX, built by the job `reports.plan_document`."""
    plan = get_object_or_404(OperationsPlan, pk=pk)
    if fmt not in ("docx", "pdf"):
        raise Http404
    return _start_job(
        request,
        kind="reports.plan_document",
        params={"plan_id": plan.pk, "fmt": fmt},
        lock_key=f"reports.plan:{plan.pk}:{fmt}",
        back=reverse("reports:plan_detail", args=[plan.pk]),
    )


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
        include_personal = bool(form.cleaned_data.get("include_personal"))
        reason = form.cleaned_data.get("reason", "").strip()
        if include_personal and not reason:
            form.add_error(None, "個人情報を含める理由を入力してください。")
        else:
            from madoguchi.accounts.services import audit_record

            asked = audit_record(
                actor=_user(request),
                action=AuditEvent.Action.CREATE,
                object_type="reports.handover_request",
                object_id=timezone.localtime().strftime("%Y%m%d%H%M%S"),
                request=request,
                detail={"include_personal": include_personal, "reason": reason[:200]},
            )
            return _start_job(
                request,
                kind="reports.handover",
                params={
                    "include_personal": include_personal,
                    "request_audit_id": asked.pk if asked else None,
                },
                lock_key="reports.handover",
                back=reverse("reports:handover"),
            )
    tables = services.handover_tables(personal=False)
    history = AuditEvent.objects.filter(object_type="reports.handover").order_by("-at")[:20]
    return render(
        request,
        "reports/handover.html",
        {"form": form, "counts": [(t.caption, t.items) for t in tables], "history": history},
    )


# --- month close (月次締め) ------------------------------------------------------------------------

RECONCILE_PER_PAGE = 50


@require_perm("reports.view_monthclose")
def month_close(request: HttpRequest, ym: str) -> HttpResponse:  # noqa: C901 - one screen with several small forms (reclassify, outcome, explain, close, reopen), each a branch
    """The month's reconcile list with a fix or an explanation for each item, the commentary and the close."""
    from django.core.exceptions import ValidationError
    from django.core.paginator import Paginator

    from madoguchi.calls.models import Call, Callback, CallCategory
    from madoguchi.calls.services import call_reclassify, callback_close

    try:
        year, month = parse_month(ym)
    except services.ReportError:
        raise Http404 from None
    here = reverse("reports:month_close", args=[ym])
    if request.method == "POST":
        action = request.POST.get("action", "")
        user = _user(request)
        check_perm(request, "reports.change_monthclose")
        try:
            if action == "reclassify":
                call = get_object_or_404(Call, pk=request.POST.get("object_id"))
                category = CallCategory.objects.filter(pk=request.POST.get("subcategory") or 0).first()
                if category is None:
                    raise ValidationError({"subcategory": ["分類を選んでください。"]})
                call_reclassify(
                    by=user, call=call, subcategory=category, reason=request.POST.get("reason", "")
                )
                messages.success(request, f"通話 {call.pk} を「{category.name}」に訂正しました。")
            elif action == "callback_outcome":
                cb = get_object_or_404(Callback, pk=request.POST.get("object_id"))
                reason = request.POST.get("reason", "").strip()
                if not reason:
                    raise ValidationError({"reason": ["結果を記録する理由（経緯）を入力してください。"]})
                callback_close(by=user, callback=cb, outcome=request.POST.get("outcome", ""), note=reason)
                messages.success(request, f"CB-{cb.pk} の結果を記録しました。")
            elif action == "explain":
                reconcile.reconcile_explain(
                    by=user,
                    year=year,
                    month=month,
                    item_key=request.POST.get("item_key", ""),
                    explanation=request.POST.get("explanation", ""),
                )
                messages.success(request, "説明を記録しました。")
            elif action == "commentary":
                reconcile.month_commentary_save(
                    by=user,
                    year=year,
                    month=month,
                    special_notes=request.POST.get("special_notes", ""),
                    problems=request.POST.get("problems", ""),
                    improvements=request.POST.get("improvements", ""),
                )
                messages.success(request, "特記事項等を保存しました。")
            elif action == "close":
                check_perm(request, "reports.submit_monthlyreport")
                reconcile.month_close(by=user, year=year, month=month)
                messages.success(request, f"{services.era_month(year, month)}を締めました。")
            elif action == "reopen":
                check_perm(request, "reports.submit_monthlyreport")
                reconcile.month_reopen(by=user, year=year, month=month, reason=request.POST.get("reason", ""))
                messages.success(request, f"{services.era_month(year, month)}の締めを解除しました。")
            else:
                raise Http404
        except ValidationError as exc:
            for field_name, errors in (
                exc.message_dict.items() if hasattr(exc, "error_dict") else [("", exc.messages)]
            ):
                where = {
                    "reason": "理由",
                    "explanation": "説明",
                    "subcategory": "分類",
                    "outcome": "結果",
                }.get(field_name, "")
                for error in errors:
                    messages.error(request, f"{where}: {error}" if where else error)
        except (reconcile.CloseError, services.ReportError) as exc:
            messages.error(request, str(exc))
        page = request.POST.get("page", "")
        return redirect(f"{here}?page={page}" if page else here)

    try:
        reconcile.month_bounds_check(year=year, month=month)
        bounds_error = ""
    except reconcile.CloseError as exc:
        bounds_error = str(exc)
    items = reconcile.reconcile_items(year=year, month=month)
    open_items = reconcile.unexplained(items)
    kinds: dict[str, list[int]] = {}
    for item in items:
        counts = kinds.setdefault(item.kind_label, [0, 0])
        counts[0] += 1
        counts[1] += 0 if item.explained else 1
    paginator = Paginator(items, RECONCILE_PER_PAGE)
    page_obj = paginator.get_page(request.GET.get("page"))
    context = {
        "ym": ym,
        "label": services.era_month(year, month),
        "close": reconcile.month_close_get(year=year, month=month),
        "items": page_obj,
        "total": len(items),
        "open_count": len(open_items),
        "kinds": kinds,
        "bounds_error": bounds_error,
        "categories": CallCategory.objects.active(),
        "callback_outcomes": Callback.Outcome.choices,
        "report": MonthlyReport.objects.filter(year=year, month=month).first(),
    }
    return render(request, "reports/month_close.html", context)


# --- 業務手順書 -------------------------------------------------------------------------------------------


@require_perm("reports.view_manualrevision")
def manual(request: HttpRequest) -> HttpResponse:
    """Every section of the manual with the version printed, what is being revised or waits for the city,
    and the screen photographed for it."""
    from .manual import SCREENS, printed_manual
    from .models import ManualRevision

    open_revisions = {r.key: r for r in ManualRevision.objects.filter(state__in=ManualRevision.OPEN_STATES)}
    chapters = [
        (chapter, [(section, open_revisions.get(section.task.key)) for section in sections])
        for chapter, sections in printed_manual()
    ]
    photographed = {s.shot.key for _, sections in printed_manual() for s in sections if s.shot is not None}
    context = {
        "chapters": chapters,
        "waiting": sum(1 for r in open_revisions.values() if r.state == ManualRevision.State.SUBMITTED),
        "missing_screens": [s for k, s in SCREENS.items() if k not in photographed],
    }
    return render(request, "reports/manual.html", context)


@require_perm("reports.view_manualrevision")
def manual_section(request: HttpRequest, key: str) -> HttpResponse:
    """One section: the printed text, the open revision (edit, submit; approve or return for city staff,
    with the lines changed), and its history."""
    import difflib

    from .forms import ManualDecisionForm, ManualRevisionForm
    from .manual import printed_manual
    from .models import ManualRevision

    section = next((s for _, sections in printed_manual() for s in sections if s.task.key == key), None)
    if section is None:
        raise Http404
    revisions = list(
        ManualRevision.objects.filter(key=key).select_related("created_by", "submitted_by", "decided_by")
    )
    current = next((r for r in revisions if r.state in ManualRevision.OPEN_STATES), None)
    initial = (
        {"title": current.title, "steps": current.steps, "note": current.note}
        if current
        else {"title": section.title, "steps": "\n".join(section.steps), "note": section.note}
    )
    form = ManualRevisionForm(request.POST or None, initial=initial)
    decision_form = ManualDecisionForm()
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "save":
                check_perm(request, "reports.edit_manual")
                if form.is_valid():
                    services.manual_draft_save(by=_user(request), key=key, **form.cleaned_data)
                    messages.success(
                        request, "改訂を保存しました（作成中）。市へ提出するまで印刷には使われません。"
                    )
                    return redirect("reports:manual_section", key=key)
            elif action == "submit" and current is not None:
                check_perm(request, "reports.edit_manual")
                services.manual_submit(by=_user(request), revision=current)
                messages.success(request, "改訂を市へ提出しました（確認待ち）。")
                return redirect("reports:manual_section", key=key)
            elif action == "decide" and current is not None:
                check_perm(request, "reports.approve_manual")
                decision_form = ManualDecisionForm(request.POST)
                if decision_form.is_valid():
                    approve = decision_form.cleaned_data["decision"] == "approve"
                    services.manual_decide(
                        by=_user(request),
                        revision=current,
                        approve=approve,
                        comment=decision_form.cleaned_data["comment"],
                    )
                    messages.success(
                        request,
                        "承認しました。次の印刷からこの版が使われます。" if approve else "差し戻しました。",
                    )
                    return redirect("reports:manual_section", key=key)
            else:
                raise Http404
        except services.ReportError as exc:
            messages.error(request, str(exc))
        except ValidationError as exc:
            for field_name, errors in exc.message_dict.items():
                for error in errors:
                    form.add_error(field_name if field_name in form.fields else None, error)
    diff: list[tuple[str, str]] = []
    if current is not None:
        before = [section.title, *section.steps, *([f"注意: {section.note}"] if section.note else [])]
        after = [current.title, *current.step_list, *([f"注意: {current.note}"] if current.note else [])]
        for line in difflib.ndiff(before, after):
            if line[:1] in "+- ":
                diff.append((line[:1], line[2:]))
    context = {
        "section": section,
        "current": current,
        "revisions": revisions,
        "form": form,
        "decision_form": decision_form,
        "diff": diff,
    }
    return render(request, "reports/manual_section.html", context)


@require_perm("reports.view_manualrevision")
def manual_screen(request: HttpRequest, key: str) -> HttpResponse:
    """The newest photograph of a screen (demo data only), as PNG for `<img src>`."""
    from .models import ManualScreenshot

    shot = ManualScreenshot.objects.filter(key=key).order_by("-taken_at", "-pk").first()
    if shot is None:
        raise Http404
    response = HttpResponse(bytes(shot.png), content_type="image/png")
    response["Cache-Control"] = "private, max-age=300"
    return response


@require_perm("reports.view_manualrevision")
def manual_download(request: HttpRequest) -> HttpResponse:
    """The manual as printed (approved versions, screenshots, 改訂履歴), built by the job `reports.manual_document`."""
    return _start_job(
        request,
        kind="reports.manual_document",
        params={},
        lock_key="reports.manual",
        back=reverse("reports:manual"),
    )

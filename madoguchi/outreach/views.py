from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from madoguchi.accounts.access import require_perm
from madoguchi.accounts.http import AuthedHttpRequest
from madoguchi.accounts.models import AuditEvent
from madoguchi.accounts.services import audit_record
from madoguchi.lib.htmx import queued_key, render_page_or_fragment
from madoguchi.lib.listing import Column, Listing

from . import services
from .forms import AssignForm, ChecklistAddForm, EventForm, InquiryForm, timeline_forms
from .models import ChecklistItem, OutreachEvent, StaffAssignment

# Window n: key n adds one application, Alt+n takes one back (data-shortcut, handled by app.js).
WINDOW_KEYS = ["1", "2", "3", "4"]
RECENT_INQUIRIES = 20
# Questions asked at the venue (no personal data: the form refuses individual numbers and says so).
INQUIRIES = Listing(
    name="outreach.inquiries",
    title="会場での問合せ",
    columns=[
        Column("at", "日時", order_by="at"),
        Column("window", "窓口", order_by="window", css="num"),
        Column("text", "問合せ内容"),
        Column("by", "記録者"),
    ],
    ordering=("at", "pk"),
    empty_text="問合せの記録はありません。",
)


def _errors(form_or_exc: Any) -> str:
    if isinstance(form_or_exc, ValidationError):
        return " ".join(form_or_exc.messages)
    return " ".join(
        f"{form_or_exc.fields[f].label if f in form_or_exc.fields else ''}: {' '.join(e)}".lstrip(": ")
        for f, e in form_or_exc.errors.items()
    )


@require_perm("outreach.view_outreachevent")
def event_list(request: AuthedHttpRequest) -> HttpResponse:
    today = timezone.localdate()
    events = list(OutreachEvent.objects.select_related("special_day").prefetch_related("window_counts"))
    for e in events:
        e.applications = sum(w.applications for w in e.window_counts.all())  # type: ignore[attr-defined]
    return render(
        request,
        "outreach/list.html",
        {
            "upcoming": [e for e in events if e.date >= today],
            "past": [e for e in reversed(events) if e.date < today],
            "today": today,
        },
    )


def _event_form_data(form: EventForm) -> dict[str, Any]:
    return {name: form.cleaned_data[name] for name in services.EVENT_FIELDS}


@require_perm("outreach.add_outreachevent")
def event_new(request: AuthedHttpRequest) -> HttpResponse:
    form = EventForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            event = services.event_create(by=request.user, **_event_form_data(form))
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            note = "（本庁の特別開庁としてカレンダーに登録しました）" if event.special_day_id else ""
            messages.success(request, f"{event.venue} の出張申請を登録しました{note}。")
            return redirect("outreach:detail", pk=event.pk)
    return render(
        request, "outreach/form.html", {"form": form, "event": None}, status=400 if form.errors else 200
    )


def _detail_context(request: AuthedHttpRequest, event: OutreachEvent, **extra: Any) -> dict[str, Any]:
    context = {
        "event": event,
        "summary": services.event_summary(event=event),
        "phases": event.phases.all(),
        "assignments": event.assignments.select_related("member"),
        "equipment": event.checklist.filter(kind=ChecklistItem.Kind.EQUIPMENT).select_related("checked_by"),
        "setup_items": event.checklist.filter(kind=ChecklistItem.Kind.SETUP).select_related("checked_by"),
        "assign_form": AssignForm(),
        "checklist_form": ChecklistAddForm(),
    }
    context.update(extra)
    return context


@require_perm("outreach.view_outreachevent")
def event_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    event = get_object_or_404(OutreachEvent.objects.select_related("special_day"), pk=pk)
    return render(request, "outreach/detail.html", _detail_context(request, event))


@require_perm("outreach.change_outreachevent")
def event_edit(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    event = get_object_or_404(OutreachEvent, pk=pk)
    if not event.is_active:
        messages.error(request, "中止した出張申請は変更できません。")
        return redirect("outreach:detail", pk=pk)
    initial = {name: getattr(event, name) for name in services.EVENT_FIELDS}
    form = EventForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.event_update(by=request.user, event=event, **_event_form_data(form))
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "変更を保存しました。")
            return redirect("outreach:detail", pk=pk)
    return render(
        request, "outreach/form.html", {"form": form, "event": event}, status=400 if form.errors else 200
    )


@require_perm("outreach.change_outreachevent")
@require_POST
def event_cancel(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    event = get_object_or_404(OutreachEvent, pk=pk)
    try:
        services.event_cancel(by=request.user, event=event)
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    else:
        messages.success(request, f"{event.venue}（{event.date:%-m/%-d}）を中止にしました。")
    return redirect("outreach:detail", pk=pk)


@require_perm("outreach.change_outreachevent")
def timeline(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    event = get_object_or_404(OutreachEvent, pk=pk)
    forms = timeline_forms(event, request.POST or None)
    error = ""
    if request.method == "POST":
        if all(f.is_valid() for _, f in forms):
            phases = {
                phase.kind: (
                    f.cleaned_data["date"],
                    f.cleaned_data["starts"],
                    f.cleaned_data["ends"],
                    f.cleaned_data["note"],
                )
                for phase, f in forms
            }
            try:
                services.phases_set(by=request.user, event=event, phases=phases)
            except ValidationError as exc:
                error = _errors(exc)
            else:
                messages.success(request, "工程を保存しました。")
                return redirect("outreach:detail", pk=pk)
        else:
            error = "入力内容を確認してください。"
    return render(
        request,
        "outreach/timeline.html",
        {"event": event, "forms": forms, "error": error},
        status=400 if error else 200,
    )


@require_perm("outreach.assign_staff")
@require_POST
def staff_assign(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    event = get_object_or_404(OutreachEvent, pk=pk)
    form = AssignForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            assignment = services.staff_assign(
                by=request.user,
                event=event,
                member=data["member"],
                starts=data["starts"],
                ends=data["ends"],
                duty=data["duty"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"{assignment.member.name}さんを配置しました。")
            return redirect("outreach:detail", pk=pk)
    return render(
        request, "outreach/detail.html", _detail_context(request, event, assign_form=form), status=400
    )


@require_perm("outreach.assign_staff")
@require_POST
def staff_remove(request: AuthedHttpRequest, pk: int, assignment_pk: int) -> HttpResponse:
    assignment = get_object_or_404(StaffAssignment, pk=assignment_pk, event_id=pk)
    name = assignment.member.name
    services.staff_unassign(by=request.user, assignment=assignment)
    messages.success(request, f"{name}さんの配置を外しました。")
    return redirect("outreach:detail", pk=pk)


@require_perm("outreach.tick_checklist")
@require_POST
def checklist_tick(request: AuthedHttpRequest, pk: int, item_pk: int) -> HttpResponse:
    item = get_object_or_404(ChecklistItem.objects.select_related("event"), pk=item_pk, event_id=pk)
    item = services.checklist_tick(by=request.user, item=item, checked=request.POST.get("checked") == "1")
    if request.htmx:
        return render(request, "outreach/_checklist_item.html", {"item": item, "event": item.event})
    return redirect("outreach:detail", pk=pk)


@require_perm("outreach.change_outreachevent")
@require_POST
def checklist_add(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    event = get_object_or_404(OutreachEvent, pk=pk)
    form = ChecklistAddForm(request.POST)
    if form.is_valid():
        try:
            services.checklist_item_add(by=request.user, event=event, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, "チェック項目: " + _errors(exc))
        else:
            messages.success(request, f"「{form.cleaned_data['label']}」を追加しました。")
    else:
        messages.error(request, "チェック項目: " + _errors(form))
    return redirect("outreach:detail", pk=pk)


def _day_context(event: OutreachEvent, **extra: Any) -> dict[str, Any]:
    counts = list(event.window_counts.all())
    context: dict[str, Any] = {
        "event": event,
        "windows": [{"row": w, "key": WINDOW_KEYS[w.window - 1]} for w in counts],
        "total": sum(w.applications for w in counts),
        # The newest ones, as a reminder of what was asked; 「全N件」 links to the whole list.
        "inquiries": event.inquiries.select_related("by")[:RECENT_INQUIRIES],
        "inquiry_count": event.inquiries.count(),
        "inquiry_form": InquiryForm(windows=event.windows),
        "before_the_day": event.date > timezone.localdate(),
    }
    context.update(extra)
    return context


@require_perm("outreach.count_applications")
def day(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    event = get_object_or_404(OutreachEvent, pk=pk)
    return render_page_or_fragment(
        request, "outreach/day.html", "outreach/_windows.html", _day_context(event)
    )


@require_perm("outreach.count_applications")
@require_POST
def count(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    event = get_object_or_404(OutreachEvent, pk=pk)
    status, error = "", False
    try:
        window, delta = int(request.POST.get("window", "")), int(request.POST.get("delta", ""))
        row = services.window_count_adjust(
            by=request.user,
            event=event,
            window=window,
            delta=delta,
            key=queued_key(request),
        )
    except ValueError:
        status, error = "窓口と増減を指定してください。", True
    except ValidationError as exc:
        status, error = _errors(exc), True
    else:
        sign = "+1" if delta > 0 else "−1"
        status = f"窓口{row.window}: {sign}（{row.applications}件）"
    if request.htmx:
        # 200 even when refused: htmx swaps only 2xx answers and the message has to show.
        return render(
            request, "outreach/_windows.html", _day_context(event, status=status, status_error=error)
        )
    (messages.error if error else messages.success)(request, status)
    return redirect("outreach:day", pk=pk)


@require_perm("outreach.count_applications")
@require_POST
def inquiry(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    event = get_object_or_404(OutreachEvent, pk=pk)
    form = InquiryForm(request.POST, windows=event.windows)
    if form.is_valid():
        try:
            services.inquiry_add(
                by=request.user,
                event=event,
                text=form.cleaned_data["text"],
                window=form.cleaned_data["window"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "問合せを記録しました。")
            return redirect("outreach:day", pk=pk)
    return render(request, "outreach/day.html", _day_context(event, inquiry_form=form), status=400)


@require_perm("outreach.view_outreachevent")
def summary(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    event = get_object_or_404(OutreachEvent.objects.select_related("special_day"), pk=pk)
    return INQUIRIES.response(
        request,
        event.inquiries.select_related("by"),
        template="outreach/summary.html",
        context=_detail_context(request, event),
        on_export=_inquiry_export_audit(request, event),
    )


@require_perm("outreach.view_outreachevent")
def inquiries(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """Every question asked at the venue, paged, with the export (to improve the FAQ)."""
    event = get_object_or_404(OutreachEvent, pk=pk)
    return INQUIRIES.response(
        request,
        event.inquiries.select_related("by"),
        template="outreach/inquiries.html",
        context={"event": event},
        on_export=_inquiry_export_audit(request, event),
    )


def _inquiry_export_audit(request: AuthedHttpRequest, event: OutreachEvent) -> Callable[[str, int], object]:
    def audit(fmt: str, count: int) -> object:
        return audit_record(
            actor=request.user,
            action=AuditEvent.Action.EXPORT,
            object_type="outreach.inquiry",
            request=request,
            detail={"event": event.pk, "format": fmt, "count": count},
        )

    return audit

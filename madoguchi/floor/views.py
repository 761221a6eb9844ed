from __future__ import annotations

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from madoguchi.accounts.access import check_perm, require_perm
from madoguchi.accounts.http import AuthedHttpRequest
from madoguchi.accounts.models import AuditEvent
from madoguchi.accounts.services import audit_record
from madoguchi.calendar.models import Office
from madoguchi.lib.htmx import queued_at, queued_key, render_page_or_fragment
from madoguchi.lib.jdates import parse_date

from . import services
from .forms import AssistForm
from .models import MynaportalAssist, Purpose

# One key per purpose, in button order, for keyboard use (1–6) next to the taps.
SHORTCUTS = ["1", "2", "3", "4", "5", "6"]


def _office(request: AuthedHttpRequest) -> Office:
    offices = Office.objects.active()
    code = request.POST.get("office") or request.GET.get("office")
    office = (
        offices.filter(code=code).first()
        if code
        else offices.filter(kind=Office.Kind.MAIN).first() or offices.first()
    )
    if office is None:
        raise Http404("庁舎が見つかりません。")
    return office


def _day(request: AuthedHttpRequest) -> tuple[datetime.date, str]:
    today = timezone.localdate()
    value = request.GET.get("date")
    if not value:
        return today, ""
    try:
        return parse_date(value), ""
    except ValueError as exc:
        return today, str(exc)


def _board_context(request: AuthedHttpRequest, office: Office, day: datetime.date) -> dict[str, object]:
    counts = services.day_counts(office=office, date=day)
    return {
        "office": office,
        "offices": Office.objects.active(),
        "day": day,
        "is_today": day == timezone.localdate(),
        "counts": counts,
        "buttons": [
            {"value": p.value, "label": p.label, "key": key, "count": counts["by_purpose"][p.value]}
            for p, key in zip(Purpose, SHORTCUTS, strict=True)
        ],
        "purposes": list(Purpose),
    }


@require_perm("floor.view_guidancetap")
def board(request: AuthedHttpRequest) -> HttpResponse:
    office = _office(request)
    day, error = _day(request)
    if error:
        messages.error(request, f"日付: {error}")
    context = _board_context(request, office, day)
    return render_page_or_fragment(request, "floor/board.html", "floor/_counts.html", context)


def _after_write(
    request: AuthedHttpRequest, office: Office, status: str, *, error: bool = False
) -> HttpResponse:
    if request.htmx:
        context = _board_context(request, office, timezone.localdate())
        context.update({"status": status, "status_error": error, "oob": True})
        # 200 even for "nothing to undo": htmx does not swap 4xx answers, and the message must show.
        return render_page_or_fragment(request, "floor/board.html", "floor/_counts.html", context)
    (messages.error if error else messages.success)(request, status)
    return redirect(f"{reverse('floor:board')}?office={office.code}")


@require_perm("floor.add_guidancetap")
@require_POST
def tap(request: AuthedHttpRequest) -> HttpResponse:
    office = _office(request)
    purpose = request.POST.get("purpose", "")
    try:
        recorded = services.guidance_tap(
            by=request.user,
            office=office,
            purpose=purpose,
            key=queued_key(request),
            at=queued_at(request),
        )
    except ValidationError:
        return _after_write(request, office, "用件を選んでください。", error=True)
    local = timezone.localtime(recorded.at)
    return _after_write(
        request, office, f"「{recorded.get_purpose_display()}」を1件記録しました（{local:%H:%M}）。"
    )


@require_perm("floor.add_guidancetap")
@require_POST
def undo(request: AuthedHttpRequest) -> HttpResponse:
    office = _office(request)
    try:
        undone = services.guidance_undo(by=request.user, office=office, key=queued_key(request))
    except ValidationError as exc:
        return _after_write(request, office, exc.messages[0], error=True)
    local = timezone.localtime(undone.at)
    return _after_write(
        request, office, f"{local:%H:%M} の「{undone.get_purpose_display()}」を取り消しました。"
    )


@require_perm("floor.view_mynaportalassist")
def mynaportal(request: AuthedHttpRequest) -> HttpResponse:
    office = _office(request)
    form = AssistForm(request.POST or None)
    if request.method == "POST":
        check_perm(request, "floor.add_mynaportalassist")
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.assist_record(
                    by=request.user,
                    office=office,
                    topic=data["topic"],
                    outcome=data["outcome"],
                    minutes=data["minutes"],
                    follow_up=data["follow_up"],
                    contact_name=data["contact_name"],
                    contact_phone=data["contact_phone"],
                    note=data["note"],
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, "マイナポータル支援を記録しました。")
                return redirect(f"{reverse('floor:mynaportal')}?office={office.code}")
    day, error = _day(request)
    if error:
        messages.error(request, f"日付: {error}")
    tz = timezone.get_current_timezone()
    start = datetime.datetime.combine(day, datetime.time.min, tzinfo=tz)
    assists = list(
        MynaportalAssist.objects.filter(
            office=office, at__gte=start, at__lt=start + datetime.timedelta(days=1)
        )
        .select_related("by")
        .order_by("-at")
    )
    show_contact = request.user.has_perm("floor.view_assist_contact")
    shown = [a.pk for a in assists if a.has_contact] if show_contact else []
    if shown:
        audit_record(
            actor=request.user,
            action=AuditEvent.Action.LIST,
            object_type="floor.mynaportalassist",
            request=request,
            detail={"ids_with_contact": shown},
        )
    by_topic = {t.label: sum(1 for a in assists if a.topic == t.value) for t in MynaportalAssist.Topic}
    return render_page_or_fragment(
        request,
        "floor/mynaportal.html",
        "floor/_assists.html",
        {
            "form": form,
            "office": office,
            "offices": Office.objects.active(),
            "day": day,
            "assists": assists,
            "by_topic": by_topic,
            "show_contact": show_contact,
        },
        status=400 if request.method == "POST" else 200,
    )

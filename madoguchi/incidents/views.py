from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from madoguchi.accounts.access import require_perm
from madoguchi.accounts.http import AuthedHttpRequest
from madoguchi.accounts.models import AuditEvent
from madoguchi.accounts.services import audit_record
from madoguchi.lib.listing import Column, Listing

from . import services
from .forms import CloseForm, FilterForm, IncidentForm, NoteForm
from .models import Incident, IncidentQuerySet


def _filter(qs: IncidentQuerySet, data: Mapping[str, Any]) -> QuerySet[Incident]:
    if data.get("category"):
        qs = qs.filter(category=data["category"])
    status = data.get("status") or "open"
    if status == "open":
        return qs.open()
    if status == "closed":
        return qs.filter(status=Incident.Status.CLOSED)
    return qs


INCIDENTS = Listing(
    name="incidents.list",
    title="トラブル・苦情・不当要求",
    columns=[
        Column("pk", "No.", css="num", order_by="pk"),
        Column("occurred_at", "発生日時", order_by="occurred_at"),
        Column("category", "種別"),
        Column("severity", "重大度", order_by="severity"),
        Column("summary", "件名"),
        Column("anti_social", "暴力団等"),
        Column("city_notified_at", "市へ報告"),
        Column("police_reported_at", "警察へ届出"),
        Column("status", "状態"),
    ],
    filter_form=FilterForm,
    filter=_filter,
    ordering=("-occurred_at", "-pk"),
)


@require_perm("incidents.view_incident")
def incident_list(request: AuthedHttpRequest) -> HttpResponse:
    form_status = request.GET.get("status") or "open"
    return INCIDENTS.response(
        request,
        Incident.objects.select_related("office", "reported_by"),
        template="incidents/list.html",
        fragment="incidents/_list.html",
        context={"status": form_status},
        on_export=lambda fmt, count: audit_record(
            actor=request.user,
            action=AuditEvent.Action.EXPORT,
            object_type="incidents.incident",
            request=request,
            detail={"format": fmt, "count": count, "status": form_status},
        ),
    )


@require_perm("incidents.add_incident")
def incident_new(request: AuthedHttpRequest) -> HttpResponse:
    form = IncidentForm(request.POST or None, instance=Incident(reported_by=request.user))
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in IncidentForm.Meta.fields}
        try:
            incident = services.incident_record(by=request.user, **data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"「{incident.summary}」を記録しました（No.{incident.pk}）。")
            return redirect("incidents:detail", pk=incident.pk)
    return render(request, "incidents/form.html", {"form": form, "incident": None})


@require_perm("incidents.view_incident")
def incident_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    incident = get_object_or_404(Incident.objects.select_related("office", "reported_by", "closed_by"), pk=pk)
    return render(
        request,
        "incidents/detail.html",
        {
            "incident": incident,
            "notes": incident.notes.select_related("by"),
            "note_form": NoteForm(),
            "close_form": CloseForm(),
        },
    )


@require_perm("incidents.change_incident")
def incident_edit(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    incident = get_object_or_404(Incident, pk=pk)
    if not incident.is_open:
        messages.error(request, "完了したトラブル・苦情は変更できません。")
        return redirect("incidents:detail", pk=pk)
    form = IncidentForm(request.POST or None, instance=Incident.objects.get(pk=pk))
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in IncidentForm.Meta.fields}
        try:
            services.incident_update(by=request.user, incident=incident, **data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "変更を保存しました。")
            return redirect("incidents:detail", pk=pk)
    return render(request, "incidents/form.html", {"form": form, "incident": incident})


@require_perm("incidents.add_incidentnote")
@require_POST
def note_add(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    incident = get_object_or_404(Incident, pk=pk)
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            services.incident_note_add(by=request.user, incident=incident, text=form.cleaned_data["text"])
        except ValidationError as exc:
            messages.error(request, "対応経過: " + " ".join(exc.messages))
        else:
            messages.success(request, "対応経過を追加しました。")
            return redirect("incidents:detail", pk=pk)
    else:
        messages.error(request, "対応経過: " + " ".join(str(e) for e in form.errors["text"]))
    return render(
        request,
        "incidents/detail.html",
        {
            "incident": incident,
            "notes": incident.notes.select_related("by"),
            "note_form": form,
            "close_form": CloseForm(),
        },
        status=400,
    )


@require_perm("incidents.close_incident")
@require_POST
def incident_close(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    incident = get_object_or_404(Incident, pk=pk)
    form = CloseForm(request.POST)
    if form.is_valid():
        try:
            services.incident_close(
                by=request.user,
                incident=incident,
                closure_note=form.cleaned_data["closure_note"],
            )
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            messages.success(request, f"No.{incident.pk} を完了にしました。")
            return redirect("incidents:detail", pk=pk)
    return render(
        request,
        "incidents/detail.html",
        {
            "incident": incident,
            "notes": incident.notes.select_related("by"),
            "note_form": NoteForm(),
            "close_form": form,
        },
        status=400,
    )

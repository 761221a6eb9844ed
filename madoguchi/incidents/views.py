from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from madoguchi.accounts.access import require_perm
from madoguchi.lib.htmx import render_page_or_fragment

from . import services
from .forms import CloseForm, FilterForm, IncidentForm, NoteForm
from .models import Incident


@require_perm("incidents.view_incident")
def incident_list(request: HttpRequest) -> HttpResponse:
    form = FilterForm(request.GET or None)
    qs = Incident.objects.select_related("office", "reported_by")
    status = "open"
    if form.is_valid():
        status = form.cleaned_data["status"] or "open"
        if form.cleaned_data["category"]:
            qs = qs.filter(category=form.cleaned_data["category"])
    if status == "open":
        qs = qs.open()
    elif status == "closed":
        qs = qs.filter(status=Incident.Status.CLOSED)
    return render_page_or_fragment(
        request,
        "incidents/list.html",
        "incidents/_list.html",
        {"form": form, "incidents": qs[:200], "status": status},
    )


@require_perm("incidents.add_incident")
def incident_new(request: HttpRequest) -> HttpResponse:
    form = IncidentForm(request.POST or None, instance=Incident(reported_by=request.user))
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in IncidentForm.Meta.fields}
        try:
            incident = services.incident_record(by=request.user, **data)  # type: ignore[arg-type]
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"「{incident.summary}」を記録しました（No.{incident.pk}）。")
            return redirect("incidents:detail", pk=incident.pk)
    return render(request, "incidents/form.html", {"form": form, "incident": None})


@require_perm("incidents.view_incident")
def incident_detail(request: HttpRequest, pk: int) -> HttpResponse:
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
def incident_edit(request: HttpRequest, pk: int) -> HttpResponse:
    incident = get_object_or_404(Incident, pk=pk)
    if not incident.is_open:
        messages.error(request, "完了したトラブル・苦情は変更できません。")
        return redirect("incidents:detail", pk=pk)
    form = IncidentForm(request.POST or None, instance=Incident.objects.get(pk=pk))
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in IncidentForm.Meta.fields}
        try:
            services.incident_update(by=request.user, incident=incident, **data)  # type: ignore[arg-type]
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "変更を保存しました。")
            return redirect("incidents:detail", pk=pk)
    return render(request, "incidents/form.html", {"form": form, "incident": incident})


@require_perm("incidents.add_incidentnote")
@require_POST
def note_add(request: HttpRequest, pk: int) -> HttpResponse:
    incident = get_object_or_404(Incident, pk=pk)
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            services.incident_note_add(by=request.user, incident=incident, text=form.cleaned_data["text"])  # type: ignore[arg-type]
        except ValidationError as exc:
            messages.error(request, "対応経過: " + " ".join(exc.messages))
        else:
            messages.success(request, "対応経過を追加しました。")
            return redirect("incidents:detail", pk=pk)
    else:
        messages.error(request, "対応経過: " + " ".join(form.errors["text"]))
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
def incident_close(request: HttpRequest, pk: int) -> HttpResponse:
    incident = get_object_or_404(Incident, pk=pk)
    form = CloseForm(request.POST)
    if form.is_valid():
        try:
            services.incident_close(
                by=request.user,  # type: ignore[arg-type]
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

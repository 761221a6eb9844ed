"""Writes of the incident log (each one transaction with its audit row) and the monthly summary for reports."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from madoguchi.accounts.models import AuditEvent, User
from madoguchi.accounts.services import audit_record
from madoguchi.lib.privacy import refuse_individual_number

from .models import Incident, IncidentNote

# Fields a manager may set after the first record (reporting to the city and the police, severity).
UPDATABLE = (
    "occurred_at",
    "office",
    "place",
    "category",
    "severity",
    "summary",
    "description",
    "anti_social",
    "city_contact",
    "city_notified_at",
    "police_station",
    "police_reported_at",
    "police_report_kind",
    "police_reference",
)


def incident_record(*, by: User, **fields: Any) -> Incident:
    """Log a new incident (validated: police and city fields are required for anti-social demands)."""
    unknown = set(fields) - set(UPDATABLE)
    if unknown:
        raise TypeError(f"unknown incident fields: {sorted(unknown)}")
    incident = Incident(reported_by=by, **fields)
    incident.full_clean()
    with transaction.atomic():
        incident.save()
        audit_record(
            actor=by,
            action=AuditEvent.Action.CREATE,
            obj=incident,
            detail={
                "category": incident.category,
                "severity": incident.severity,
                "anti_social": incident.anti_social,
            },
        )
    return incident


def incident_update(*, by: User, incident: Incident, **fields: Any) -> Incident:
    """Change the record (e.g. add the city report or police report later); closed incidents stay as they are."""
    unknown = set(fields) - set(UPDATABLE)
    if unknown:
        raise TypeError(f"unknown incident fields: {sorted(unknown)}")
    with transaction.atomic():
        locked = Incident.objects.select_for_update().get(pk=incident.pk)
        if not locked.is_open:
            raise ValidationError("完了したトラブル・苦情は変更できません。")
        changed = [name for name, value in fields.items() if getattr(locked, name) != value]
        for name in changed:
            setattr(locked, name, fields[name])
        locked.full_clean()
        if changed:
            locked.save(update_fields=changed)
            audit_record(actor=by, action=AuditEvent.Action.UPDATE, obj=locked, detail={"fields": changed})
    return locked


def incident_note_add(*, by: User, incident: Incident, text: str) -> IncidentNote:
    """Append one follow-up step to the incident's history."""
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": "対応内容を入力してください。"})
    refuse_individual_number(text, field="text")
    with transaction.atomic():
        if not Incident.objects.select_for_update().get(pk=incident.pk).is_open:
            raise ValidationError("完了したトラブル・苦情には対応経過を追加できません。")
        note = IncidentNote(incident=incident, by=by, text=text)
        note.full_clean()
        note.save()
        audit_record(actor=by, action=AuditEvent.Action.CREATE, obj=note, detail={"incident": incident.pk})
    return note


def incident_close(*, by: User, incident: Incident, closure_note: str) -> Incident:
    """Close with the result. Every incident is reported to the city before it is closed (spec 14(2)②)."""
    closure_note = (closure_note or "").strip()
    with transaction.atomic():
        locked = Incident.objects.select_for_update().get(pk=incident.pk)
        if not locked.is_open:
            raise ValidationError("このトラブル・苦情は既に完了しています。")
        errors: dict[str, str] = {}
        if not closure_note:
            errors["closure_note"] = "完了時の結果を入力してください。"
        if not locked.city_notified_at:
            errors["city_notified_at"] = "市への報告（報告先と日時）を記録してから完了にしてください。"
        if locked.anti_social and not locked.police_reported_at:
            errors["police_reported_at"] = "警察への届出を記録してから完了にしてください。"
        if errors:
            raise ValidationError(errors)
        refuse_individual_number(closure_note, field="closure_note")
        locked.status = Incident.Status.CLOSED
        locked.closed_at = timezone.now()
        locked.closed_by = by
        locked.closure_note = closure_note
        locked.save(update_fields=["status", "closed_at", "closed_by", "closure_note"])
        audit_record(actor=by, action=AuditEvent.Action.TRANSITION, obj=locked, detail={"to": "closed"})
    return locked


def month_summary(*, year: int, month: int) -> dict[str, Any]:
    """Incidents of one month for the monthly report: counts and every item with its state.

    `items` lists every incident that occurred in the month or was still open at its start (the report shows
    the state of every item handled); counts by category and severity are for incidents occurring in the month.
    """
    first = datetime.date(year, month, 1)
    next_first = (first + datetime.timedelta(days=32)).replace(day=1)
    tz = timezone.get_current_timezone()
    start = datetime.datetime.combine(first, datetime.time.min, tzinfo=tz)
    end = datetime.datetime.combine(next_first, datetime.time.min, tzinfo=tz)
    occurred = list(Incident.objects.filter(occurred_at__gte=start, occurred_at__lt=end))
    carried = list(Incident.objects.filter(occurred_at__lt=start).exclude(closed_at__lt=start))
    handled = sorted(occurred + carried, key=lambda i: (i.occurred_at, i.pk))

    def open_at_end(i: Incident) -> bool:
        return i.closed_at is None or i.closed_at >= end

    by_category = {c.value: 0 for c in Incident.Category}
    by_severity = {s.value: 0 for s in Incident.Severity}
    for i in occurred:
        by_category[i.category] += 1
        by_severity[i.severity] += 1
    return {
        "year": year,
        "month": month,
        "total": len(occurred),
        "by_category": by_category,
        "by_category_ja": {Incident.Category(k).label: v for k, v in by_category.items()},
        "by_severity": by_severity,
        "by_severity_ja": {Incident.Severity(k).label: v for k, v in by_severity.items()},
        "anti_social": sum(1 for i in occurred if i.anti_social),
        "police_reports": Incident.objects.filter(
            police_reported_at__gte=start, police_reported_at__lt=end
        ).count(),
        "closed_in_month": sum(1 for i in handled if i.closed_at and start <= i.closed_at < end),
        "open_at_month_end": sum(1 for i in handled if open_at_end(i)),
        "items": [
            {
                "id": i.pk,
                "occurred_at": timezone.localtime(i.occurred_at).isoformat(),
                "category": i.category,
                "category_ja": i.get_category_display(),
                "severity": i.severity,
                "severity_ja": i.get_severity_display(),
                "summary": i.summary,
                "anti_social": i.anti_social,
                "city_notified": i.city_notified_at is not None,
                "police_reported": i.police_reported_at is not None,
                "status": "open" if open_at_end(i) else "closed",
                "status_ja": "対応中" if open_at_end(i) else "完了",
            }
            for i in handled
        ],
    }

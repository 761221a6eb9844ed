from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from madoguchi.incidents.models import Incident


def at(value: str) -> datetime.datetime:
    """An aware datetime in Asia/Tokyo from '2026-05-12 10:30'."""
    return timezone.make_aware(datetime.datetime.fromisoformat(value))


def make_incident(*, by: Any, **overrides: Any) -> Incident:
    fields: dict[str, Any] = {
        "occurred_at": at("2026-05-12 10:30"),
        "category": Incident.Category.COMPLAINT,
        "severity": Incident.Severity.MINOR,
        "summary": "待ち時間への苦情",
        "description": "受取窓口の待ち時間が長いとの申し出。",
    }
    fields.update(overrides)
    return Incident.objects.create(reported_by=by, **fields)

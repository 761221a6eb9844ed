"""Reads other apps use (published): open incidents as legal-hold windows for retention."""

from __future__ import annotations

import datetime

from django.utils import timezone

from .models import Incident


def open_incident_windows(*, margin_days: int) -> list[tuple[datetime.datetime, datetime.datetime]]:
    """For each open incident: from `margin_days` before it occurred until now (its records must be kept)."""
    now = timezone.now()
    margin = datetime.timedelta(days=margin_days)
    return [(at - margin, now) for at in Incident.objects.open().values_list("occurred_at", flat=True)]

"""Dashboard widget data: {% load outreach %}{% upcoming_outreach as events %}."""

import datetime

from django import template
from django.utils import timezone

from madoguchi.outreach.models import OutreachEvent

register = template.Library()


@register.simple_tag
def upcoming_outreach(days: int = 30) -> list[dict[str, object]]:
    """Active events from today to `days` ahead, with how far preparation has come."""
    today = timezone.localdate()
    events = (
        OutreachEvent.objects.active()
        .filter(date__gte=today, date__lte=today + datetime.timedelta(days=days))
        .prefetch_related("checklist", "assignments")
    )
    return [
        {
            "event": e,
            "days_left": (e.date - today).days,
            "staff": len(e.assignments.all()),
            "checked": sum(1 for c in e.checklist.all() if c.is_checked),
            "items": len(e.checklist.all()),
        }
        for e in events
    ]

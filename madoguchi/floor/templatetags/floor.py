"""Dashboard widget data: {% load floor %}{% floor_today as today %}."""

import datetime

from django import template
from django.utils import timezone

from madoguchi.floor.models import GuidanceTap, MynaportalAssist

register = template.Library()


@register.simple_tag
def floor_today() -> dict[str, int]:
    """Today's visitors guided and Mynaportal assists, all offices."""
    today = timezone.localdate()
    start = datetime.datetime.combine(today, datetime.time.min, tzinfo=timezone.get_current_timezone())
    return {
        "guided": GuidanceTap.objects.counted().filter(day=today).count(),
        "assists": MynaportalAssist.objects.filter(
            at__gte=start, at__lt=start + datetime.timedelta(days=1)
        ).count(),
    }

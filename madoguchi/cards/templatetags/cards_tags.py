from __future__ import annotations

from django import template
from django.utils import timezone

from madoguchi.cards.queues import Queue, all_queues

register = template.Library()


@register.simple_tag
def cards_dashboard() -> list[Queue]:
    """Queue counts for the home page widget (counts only, no personal data)."""
    return [q for q in all_queues(timezone.localdate()) if q.count]

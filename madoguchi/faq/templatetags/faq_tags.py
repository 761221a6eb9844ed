from __future__ import annotations

from django import template
from django.db.models import Count, Q

from madoguchi.faq.models import FaqEntry

register = template.Library()


@register.simple_tag
def faq_counts() -> dict[str, int]:
    """Counts for the dashboard widget (one query)."""
    return FaqEntry.objects.aggregate(
        approved=Count("id", filter=Q(state=FaqEntry.State.APPROVED)),
        samples=Count("id", filter=Q(state=FaqEntry.State.APPROVED, is_sample=True)),
        review=Count("id", filter=Q(state=FaqEntry.State.REVIEW)),
        draft=Count("id", filter=Q(state=FaqEntry.State.DRAFT)),
    )

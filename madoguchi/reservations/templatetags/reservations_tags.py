"""Dashboard widget data: today's bookings per office (counts only, no personal data)."""

from __future__ import annotations

from django import template
from django.db.models import Count, Q, Sum
from django.utils import timezone

from ..models import Reservation

register = template.Library()


@register.simple_tag
def reservations_today() -> dict[str, object]:
    today = timezone.localdate()
    s = Reservation.Status
    rows = (
        Reservation.objects.filter(date=today)
        .exclude(status__in=(s.CANCELLED, s.EXPIRED, s.HELD))
        .values("office__name", "office__sort_order")
        .annotate(
            people=Sum("party_size"),
            checked_in=Sum("party_size", filter=Q(status=s.CHECKED_IN)),
            issued=Sum("party_size", filter=Q(status=s.ISSUED)),
            walk_ins=Count("pk", filter=Q(is_walk_in=True)),
        )
        .order_by("office__sort_order")
    )
    return {
        "today": today,
        "offices": list(rows),
        "follow_up": Reservation.objects.needing_follow_up().count(),
    }


# -- resident pages (in the visitor's language: reservations.i18n) --------------------------------------


@register.filter
def rdate(value: object) -> str:
    """A date in the visitor's language: 2026年12月1日(火) / Dec. 1, 2026 (Tue) / 2026년 12월 1일 (화) …"""
    from ..i18n import date_label

    return date_label(value)  # type: ignore[arg-type]


@register.filter
def rtime(value: object) -> str:
    from ..i18n import time_label

    return time_label(value) if value else ""  # type: ignore[arg-type]


@register.filter
def builtin(value: str) -> str:
    """A built-in appointment type's Japanese word in the visitor's language (a city's own words as written)."""
    from ..i18n import builtin as translate

    return translate(value or "")

"""The dashboard widget's figures: this month's plans and today's short half-hours."""

from __future__ import annotations

from django import template
from django.db.models import F, Q
from django.utils import timezone

from madoguchi.staffing.models import MonthPlan, PlanInterval

register = template.Library()


@register.simple_tag
def staffing_today() -> dict[str, object]:
    today = timezone.localdate()
    plans = list(MonthPlan.objects.filter(year=today.year, month=today.month).select_related("office"))
    rows = []
    for plan in plans:
        need = F("required")
        short = (
            PlanInterval.objects.filter(plan=plan, date=today)
            .filter(
                Q(override__isnull=True, scheduled__lt=need)
                | Q(override__isnull=False, scheduled__lt=F("override"))
            )
            .count()
        )
        rows.append({"plan": plan, "short_today": short if plan.solved_at else None})
    return {"today": today, "rows": rows}

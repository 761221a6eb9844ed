"""Dashboard widget data: {% load incidents %}{% open_incidents as items %}."""

from django import template

from madoguchi.incidents.models import Incident

register = template.Library()


@register.simple_tag
def open_incidents(limit: int = 10) -> dict[str, object]:
    qs = Incident.objects.open().order_by("-severity", "-occurred_at")
    return {"items": list(qs[:limit]), "count": qs.count()}

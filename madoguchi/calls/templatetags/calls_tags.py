"""{% calls_dashboard as calls_dash %}: the dashboard widget's figures (the dashboard view knows no apps)."""

from typing import Any

from django import template

from madoguchi.calls.services import dashboard_figures

register = template.Library()


@register.simple_tag
def calls_dashboard() -> dict[str, Any]:
    return dashboard_figures()

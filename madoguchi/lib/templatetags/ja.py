"""Template filters for Japanese dates and times: {% load ja %} {{ d|jdate }} {{ d|wareki }}."""

import datetime

from django import template
from django.utils import timezone

from madoguchi.lib import jdates

register = template.Library()


@register.filter
def jdate(value: datetime.date | None) -> str:
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value).date()
    return jdates.format_date(value)


@register.filter
def jdate_short(value: datetime.date | None) -> str:
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value).date()
    return "" if value is None else f"{value.month}/{value.day}({jdates.weekday_ja(value)})"


@register.filter
def wareki(value: datetime.date | None) -> str:
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value).date()
    return jdates.format_wareki(value)


@register.filter
def jtime(value: datetime.time | datetime.datetime | None) -> str:
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value).time()
    return jdates.format_time(value)


@register.filter
def jdatetime(value: datetime.datetime | None) -> str:
    if value is None:
        return ""
    local = timezone.localtime(value)
    return f"{jdates.format_date(local.date())} {local:%H:%M}"

"""{% load formerrors %} {% error_summary form as summary %} and {{ field|field_messages }} (see lib.forms)."""

from django import forms, template

from madoguchi.lib import forms as lib_forms

register = template.Library()


@register.simple_tag
def error_summary(form: forms.BaseForm) -> list[lib_forms.SummaryItem]:
    return lib_forms.error_summary(form)


@register.filter
def field_messages(bound: forms.BoundField) -> list[str]:
    return lib_forms.field_messages(bound)

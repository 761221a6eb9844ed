"""Form errors in the Digital Agency design system's manner: each message names the field, says what is wrong
and how to fix it, and a summary at the top of the form links to each field.

Django's generic messages (「このフィールドは必須です。」) are rewritten from the error's code and params, so every
form rendered through `lib/_form.html` gets them without changing the form classes.
"""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.core import validators
from django.core.exceptions import ValidationError

CHOOSE_WIDGETS = (forms.Select, forms.RadioSelect, forms.CheckboxSelectMultiple, forms.SelectMultiple)


@dataclass(frozen=True)
class SummaryItem:
    href: str  # "#id_field", or "" for an error of the whole form
    text: str


def _example(field: forms.Field) -> str:
    if isinstance(field, forms.DateTimeField):
        return "2026-06-03 09:30"
    if isinstance(field, forms.DateField):
        return "2026-06-03"
    if isinstance(field, forms.TimeField):
        return "09:30"
    return ""


_VALIDATORS = (
    validators.MaxLengthValidator,
    validators.MinLengthValidator,
    validators.MaxValueValidator,
    validators.MinValueValidator,
    validators.EmailValidator,
)


def _is_django_default(field: forms.Field, error: ValidationError) -> bool:
    """True for Django's own generic message; a form's own message (already specific) is kept as it is."""
    message = str(getattr(error, "message", ""))
    defaults = {
        str(getattr(cls, "default_error_messages", {}).get(error.code, "")) for cls in type(field).__mro__
    }
    defaults |= {str(v.message) for v in _VALIDATORS}
    return message in defaults


def _rewrite(field: forms.Field, label: str, error: ValidationError) -> str:
    """One clear message for one Django error, or the error's own message when it is already specific."""
    if not _is_django_default(field, error):
        return " ".join(error.messages)
    code = error.code or ""
    params = error.params or {}
    widget = field.widget
    if code == "required":
        if isinstance(widget, forms.CheckboxInput):
            return f"{label}を確認して、チェックを入れてください。"
        if isinstance(widget, CHOOSE_WIDGETS):
            return f"{label}を選んでください。"
        if isinstance(widget, forms.ClearableFileInput):
            return f"{label}のファイルを選んでください。"
        return f"{label}を入力してください。"
    if code == "invalid_choice":
        return f"{label}は一覧の中から選び直してください。"
    if code == "invalid":
        example = _example(field)
        if example:
            return f"{label}は「{example}」の形で入力してください。"
        if isinstance(field, forms.EmailField):
            return f"{label}は「name@example.jp」の形で入力してください。"
        if isinstance(field, (forms.IntegerField, forms.DecimalField, forms.FloatField)):
            return f"{label}は半角数字で入力してください。"
    if code == "max_length" and "limit_value" in params:
        return f"{label}は{params['limit_value']}文字以内で入力してください（いまは{params.get('show_value', '')}文字）。"
    if code == "min_length" and "limit_value" in params:
        return f"{label}は{params['limit_value']}文字以上で入力してください。"
    if code == "max_value" and "limit_value" in params:
        return f"{label}は{params['limit_value']}以下にしてください。"
    if code == "min_value" and "limit_value" in params:
        return f"{label}は{params['limit_value']}以上にしてください。"
    return " ".join(error.messages)


def field_messages(bound: forms.BoundField) -> list[str]:
    """The field's errors as clear Japanese messages (label first, what to do)."""
    errors = bound.form.errors.as_data().get(bound.name, [])
    return [_rewrite(bound.field, str(bound.label), e) for e in errors]


def error_summary(form: forms.BaseForm) -> list[SummaryItem]:
    """The form's errors, whole-form ones first, then each field's in field order, each linking to its field."""
    items = [SummaryItem("", str(text)) for text in form.non_field_errors()]
    for bound in form:
        for text in field_messages(bound):
            href = f"#{bound.id_for_label}" if bound.id_for_label and not bound.is_hidden else ""
            items.append(SummaryItem(href, text))
    return items

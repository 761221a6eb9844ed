from __future__ import annotations

import datetime
from typing import Any, cast

from django import forms
from django.utils import timezone

from madoguchi.lib.jdates import parse_date
from madoguchi.lib.privacy import no_individual_number

from .models import LINE_COUNT, Call, Callback, CallbackAttempt, CallCategory, PhoneMemo, ReportColumn

LINE_CHOICES = [(n, f"{n}") for n in range(1, LINE_COUNT + 1)]
OUTCOME_KEYS = {"resolved": "1", "booked": "2", "callback": "3", "handed_to_city": "4"}


def _parse_datetime_local(value: str, field_label: str) -> datetime.datetime:
    """`2026-11-24T10:30` (datetime-local input) or `2026/11/24 10:30`; naive means Japan time."""
    text = (value or "").strip().replace("T", " ")
    if not text:
        raise forms.ValidationError(f"{field_label}を入力してください。")
    date_part, _, time_part = text.partition(" ")
    try:
        day = parse_date(date_part)
    except ValueError as exc:
        raise forms.ValidationError(f"{field_label}: {exc}") from None
    try:
        hour, minute = (int(p) for p in (time_part or "").strip()[:5].split(":"))
        moment = datetime.datetime.combine(day, datetime.time(hour, minute))
    except ValueError:
        raise forms.ValidationError(f"{field_label}: 時刻を「10:30」の形で入力してください。") from None
    return timezone.make_aware(moment)


class JDateTimeField(forms.CharField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", forms.DateTimeInput(attrs={"type": "datetime-local"}))
        super().__init__(*args, **kwargs)

    def to_python(self, value: Any) -> datetime.datetime | None:  # type: ignore[override]
        if value in (None, ""):
            return None
        if isinstance(value, datetime.datetime):
            return value
        return _parse_datetime_local(str(value), str(self.label or "日時"))

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, datetime.datetime):
            return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M")
        return value


def category_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """Active sub-categories grouped under their report column (optgroups)."""
    active = list(CallCategory.objects.active())
    groups: list[tuple[str, list[tuple[str, str]]]] = []
    for column, label in ReportColumn.choices:
        options = [(str(c.pk), c.option_label) for c in active if c.column == column]
        if options:
            groups.append((label, options))
    return groups


class CallForm(forms.Form):
    """The operator screen. Option labels begin with a key so a focused select jumps by one keystroke."""

    started_at = forms.CharField(widget=forms.HiddenInput)
    call = forms.IntegerField(widget=forms.HiddenInput, required=False)
    line = forms.TypedChoiceField(
        label="回線",
        choices=LINE_CHOICES,
        coerce=int,
        error_messages={"invalid_choice": "回線は1〜6から選んでください（入力値: %(value)s）。"},
        widget=forms.Select(attrs={"data-shortcut": "alt+l"}),
    )
    direction = forms.ChoiceField(
        label="方向", choices=Call.Direction.choices, initial=Call.Direction.INBOUND
    )
    subcategory = forms.ChoiceField(
        label="分類",
        widget=forms.Select(attrs={"data-shortcut": "alt+k"}),
        error_messages={"required": "分類を選んでください。", "invalid_choice": "分類を選び直してください。"},
    )
    note = forms.CharField(
        label="メモ",
        required=False,
        max_length=2000,
        validators=[no_individual_number],
        widget=forms.Textarea(attrs={"rows": 3, "data-shortcut": "alt+m"}),
        help_text="個人番号（マイナンバー）は書かないでください。",
    )
    outcome = forms.ChoiceField(
        label="結果",
        choices=[("", "— 選択 —")]
        + [(value, f"{OUTCOME_KEYS[value]} {label}") for value, label in Call.Outcome.choices],
        widget=forms.Select(attrs={"data-shortcut": "alt+o"}),
        error_messages={"required": "結果を選んでください。"},
    )
    reservation_ref = forms.CharField(
        label="予約番号（予約受付のとき）", required=False, max_length=40, validators=[no_individual_number]
    )
    callback_phone = forms.CharField(
        label="折り返し先の電話番号",
        required=False,
        max_length=30,
        validators=[no_individual_number],
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off", "data-shortcut": "alt+b"}),
    )
    callback_name = forms.CharField(
        label="お名前", required=False, max_length=100, validators=[no_individual_number]
    )
    callback_reason = forms.CharField(
        label="折り返しの用件",
        required=False,
        max_length=1000,
        validators=[no_individual_number],
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["subcategory"]).choices = [("", "— 選択 —"), *category_choices()]

    def clean_started_at(self) -> datetime.datetime:
        value = self.cleaned_data["started_at"]
        try:
            moment = datetime.datetime.fromisoformat(value)
        except ValueError:
            raise forms.ValidationError("通話開始時刻が読めません。画面を開き直してください。") from None
        return timezone.make_aware(moment) if timezone.is_naive(moment) else moment

    def clean_subcategory(self) -> CallCategory:
        try:
            return CallCategory.objects.get(pk=int(self.cleaned_data["subcategory"]))
        except (CallCategory.DoesNotExist, ValueError, TypeError):
            raise forms.ValidationError("分類を選び直してください。") from None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or self.cleaned_data
        if data.get("outcome") == Call.Outcome.CALLBACK:
            if not (data.get("callback_phone") or "").strip():
                self.add_error("callback_phone", "折り返しが必要な場合は電話番号を入力してください。")
            elif not any(ch.isdigit() for ch in data["callback_phone"]):
                self.add_error("callback_phone", "電話番号に数字がありません。")
            if not (data.get("callback_reason") or "").strip() and not (data.get("note") or "").strip():
                self.add_error("callback_reason", "折り返しの用件を入力してください。")
        return data


class CallFilterForm(forms.Form):
    date = forms.CharField(
        label="日付", required=False, widget=forms.TextInput(attrs={"placeholder": "2026/4/1"})
    )
    line = forms.TypedChoiceField(
        label="回線", required=False, choices=[("", "すべて"), *LINE_CHOICES], coerce=int, empty_value=None
    )
    category = forms.ChoiceField(
        label="区分", required=False, choices=[("", "すべて"), *ReportColumn.choices]
    )

    def clean_date(self) -> datetime.date:
        value = self.cleaned_data["date"]
        if not value:
            return timezone.localdate()
        try:
            return parse_date(value)
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None


class CallbackForm(forms.Form):
    phone = forms.CharField(
        label="電話番号",
        max_length=30,
        validators=[no_individual_number],
        widget=forms.TextInput(attrs={"inputmode": "tel", "autofocus": True}),
    )
    name = forms.CharField(label="お名前", required=False, max_length=100, validators=[no_individual_number])
    source = forms.ChoiceField(
        label="発生元", choices=Callback.Source.choices, initial=Callback.Source.OVERFLOW
    )
    reason = forms.CharField(
        label="用件",
        max_length=1000,
        validators=[no_individual_number],
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    due_at = JDateTimeField(
        label="期限", required=False, help_text="空欄なら30分後（閉庁後は次の開庁日の開始30分後）。"
    )

    def clean_phone(self) -> str:
        value = self.cleaned_data["phone"].strip()
        if not any(ch.isdigit() for ch in value):
            raise forms.ValidationError("電話番号に数字がありません。")
        return value


class AttemptForm(forms.Form):
    outcome = forms.ChoiceField(
        label="架電の結果",
        choices=[("", "— 選択 —"), *CallbackAttempt.Outcome.choices],
        widget=forms.Select(attrs={"autofocus": True, "data-shortcut": "alt+o"}),
    )
    note = forms.CharField(
        label="メモ",
        required=False,
        max_length=1000,
        validators=[no_individual_number],
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    next_due_at = JDateTimeField(label="次回の期限（つながらなかったとき）", required=False)


class CloseForm(forms.Form):
    outcome = forms.ChoiceField(label="完了の理由", choices=[("", "— 選択 —"), *Callback.Outcome.choices])
    note = forms.CharField(
        label="メモ",
        required=False,
        max_length=1000,
        validators=[no_individual_number],
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class MemoForm(forms.ModelForm):
    class Meta:
        model = PhoneMemo
        fields = ["kind", "for_whom", "caller_name", "caller_phone", "message"]
        widgets = {
            "for_whom": forms.TextInput(
                attrs={"autofocus": True, "placeholder": "例: 市民課 田中さん／保険年金課"}
            ),
            "caller_name": forms.TextInput(),
            "caller_phone": forms.TextInput(attrs={"inputmode": "tel"}),
            "message": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("caller_name", "caller_phone"):
            self.fields[name].validators.append(no_individual_number)


class HandOverForm(forms.Form):
    handed_to = forms.CharField(
        label="引継ぎ先", required=False, max_length=100, validators=[no_individual_number]
    )


class CategoryForm(forms.ModelForm):
    class Meta:
        model = CallCategory
        fields = ["name", "column", "key", "sort_order", "is_active"]

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from madoguchi.calendar.models import Office
from madoguchi.lib.jdates import parse_date
from madoguchi.lib.privacy import no_individual_number


class JapaneseDateField(forms.Field):
    """Accepts 1980/5/17, 昭和55年5月17日, S55.5.17, full-width digits (lib.jdates.parse_date)."""

    widget = forms.TextInput

    def __init__(self, *args: Any, error_label: str = "日付", **kwargs: Any) -> None:
        self.error_label = error_label
        super().__init__(*args, **kwargs)

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        return {**super().widget_attrs(widget), "maxlength": "20"}

    def to_python(self, value: Any) -> datetime.date | None:
        if isinstance(value, datetime.date):
            return value
        value = str(value or "").strip()
        if not value:
            return None
        if len(value) > 20:
            raise ValidationError(f"{self.error_label}: 20文字以内で入力してください。")
        try:
            return parse_date(value)
        except ValueError as exc:
            raise ValidationError(f"{self.error_label}: {exc}") from None


class FindCardForm(forms.Form):
    """Operator: notice number + birth date, or kana + birth date."""

    notice_number = forms.CharField(
        label="交付通知書番号",
        max_length=30,
        required=False,
        validators=[no_individual_number],
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "off", "inputmode": "latin"}),
    )
    kana = forms.CharField(
        label="氏名（カナ）",
        max_length=60,
        required=False,
        validators=[no_individual_number],
        help_text="交付通知書番号が分からないとき",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    birth_date = JapaneseDateField(
        label="生年月日",
        error_label="生年月日",
        help_text="例: 1980/5/17、昭和55年5月17日、S55.5.17",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or self.cleaned_data
        if not data.get("notice_number") and not data.get("kana"):
            raise ValidationError("交付通知書番号または氏名（カナ）を入力してください。")
        return data


class CodeForm(forms.Form):
    code = forms.CharField(
        label="予約番号",
        max_length=12,
        validators=[no_individual_number],
        widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": "ABC-234"}),
    )


class SlotPickForm(forms.Form):
    """A posted slot id; the service re-checks everything (tampered ids only find nothing)."""

    slot = forms.IntegerField(min_value=1)


class CancelForm(forms.Form):
    note = forms.CharField(
        label="取消の理由（任意）", max_length=300, required=False, validators=[no_individual_number]
    )


class DayForm(forms.Form):
    office = forms.ModelChoiceField(label="庁舎", queryset=Office.objects.active(), to_field_name="code")
    date = JapaneseDateField(label="日付", error_label="日付", required=False)


class OfficeSettingsForm(forms.Form):
    slot_minutes = forms.IntegerField(label="1枠の長さ（分）", min_value=5, max_value=240)
    windows = forms.IntegerField(label="交付窓口数", min_value=0, max_value=50)
    people_per_window = forms.IntegerField(label="1窓口・1枠あたりの人数", min_value=0, max_value=50)


class OverrideForm(forms.Form):
    date = JapaneseDateField(label="日付", error_label="日付")
    start = forms.TimeField(
        label="開始時刻（空欄は終日）", required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    capacity = forms.IntegerField(label="定員（人）", min_value=0, max_value=500, help_text="0 で受付停止")
    reason = forms.CharField(label="理由", max_length=200, required=False, validators=[no_individual_number])


class PublicSignInForm(forms.Form):
    notice_number = forms.CharField(max_length=30, validators=[no_individual_number])
    birth_date = JapaneseDateField(error_label="生年月日 / Date of birth")


class PublicConfirmForm(forms.Form):
    email = forms.EmailField(required=False, max_length=200)
    reminder = forms.BooleanField(required=False, initial=True)


class AppointmentTypeForm(forms.ModelForm):
    """予約の種類: what a city offers at its windows (名称・所要時間・庁舎・持ち物・本人確認・受付期間)."""

    class Meta:
        from .models import AppointmentType

        model = AppointmentType
        fields = [
            "code",
            "name",
            "description",
            "duration_slots",
            "offices",
            "bring_items",
            "identification",
            "web_bookable",
            "max_people",
            "min_days_ahead",
            "max_days_ahead",
            "is_active",
            "sort_order",
        ]
        widgets = {
            "offices": forms.CheckboxSelectMultiple,
            "bring_items": forms.Textarea(attrs={"rows": 5}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["offices"].queryset = Office.objects.active()  # type: ignore[attr-defined]
        if self.instance.pk and self.instance.code == "pickup":
            # The pickup type is tied to cards: its code and identification stay.
            self.fields["code"].disabled = True
            self.fields["identification"].disabled = True

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        lo, hi = data.get("min_days_ahead"), data.get("max_days_ahead")
        if lo is not None and hi is not None and hi < lo:
            self.add_error("max_days_ahead", "「何日後まで」は「何日後から」以上にしてください。")
        ident = data.get("identification")
        if ident == "notice_birth" and data.get("code") != "pickup" and not self.instance.code == "pickup":
            self.add_error("identification", "交付通知書番号での本人確認は「受け取り」の種類だけが使えます。")
        return data


class AppointmentBookForm(forms.Form):
    """A staff booking of a type not tied to a card: who comes, how many, where, and when."""

    appointment_type: forms.ModelChoiceField = forms.ModelChoiceField(
        label="種類",
        queryset=None,
        empty_label=None,
    )
    office = forms.ModelChoiceField(label="庁舎", queryset=Office.objects.active(), empty_label=None)
    name = forms.CharField(
        label="氏名", max_length=60, required=False, validators=[no_individual_number],
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )  # fmt: skip
    birth_date = JapaneseDateField(
        label="生年月日", error_label="生年月日", help_text="例: 1980/5/17、昭和55年5月17日",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )  # fmt: skip
    phone = forms.CharField(
        label="電話番号", max_length=20, required=False, validators=[no_individual_number],
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "tel"}),
    )  # fmt: skip
    expiry_notice_number = forms.CharField(
        label="有効期限通知書の番号（電子証明書の更新で、通知書がある場合）", max_length=30, required=False,
        validators=[no_individual_number], widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )  # fmt: skip
    people = forms.IntegerField(label="人数", min_value=1, max_value=20, initial=1)
    email = forms.EmailField(label="メールアドレス（任意）", required=False)
    date = JapaneseDateField(label="日付を指定（任意）", error_label="日付", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from .models import AppointmentType

        super().__init__(*args, **kwargs)
        self.fields["appointment_type"].queryset = AppointmentType.objects.active().exclude(  # type: ignore[attr-defined]
            code=AppointmentType.PICKUP
        )

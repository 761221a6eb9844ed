from __future__ import annotations

import datetime
from typing import Any, cast

from django import forms

from madoguchi.lib.jdates import parse_date
from madoguchi.lib.privacy import no_individual_number
from madoguchi.staffing.models import StaffMember
from madoguchi.staffing.services import trained_members

from .models import MAX_WINDOWS, ChecklistItem, Phase


class JapaneseDateField(forms.CharField):
    """A date typed as 2026/6/13, 2026-06-13 or 令和8年6月13日 (lib.jdates.parse_date)."""

    widget = forms.TextInput(attrs={"placeholder": "2026/6/13", "inputmode": "numeric"})

    def to_python(self, value: object) -> datetime.date | None:  # type: ignore[override]
        if isinstance(value, datetime.date):
            return value
        text = super().to_python(value)
        if not text:
            return None
        try:
            return parse_date(text)
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None

    def prepare_value(self, value: object) -> object:
        if isinstance(value, datetime.date):
            return f"{value.year}/{value.month}/{value.day}"
        return value


def _time(label: str, **kwargs: Any) -> forms.TimeField:
    return forms.TimeField(
        label=label, widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"), **kwargs
    )


class EventForm(forms.Form):
    venue = forms.CharField(label="会場（商業施設）", max_length=100, validators=[no_individual_number])
    venue_detail = forms.CharField(
        label="会場の場所",
        max_length=200,
        required=False,
        validators=[no_individual_number],
        help_text="例: 1階 センターコート",
    )
    date = JapaneseDateField(label="実施日", help_text="例: 2026/6/13、令和8年6月13日")
    opens = _time("受付開始", initial=datetime.time(10, 0))
    closes = _time("受付終了", initial=datetime.time(16, 0))
    windows = forms.IntegerField(
        label="窓口数",
        initial=MAX_WINDOWS,
        widget=forms.NumberInput(attrs={"min": 1, "max": MAX_WINDOWS}),
        help_text=f"最大{MAX_WINDOWS}窓口",
    )
    note = forms.CharField(
        label="備考",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        validators=[no_individual_number],
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["venue"].widget.attrs["autofocus"] = True

    def clean_windows(self) -> int:
        windows = self.cleaned_data["windows"]
        if not 1 <= windows <= MAX_WINDOWS:
            raise forms.ValidationError(
                f"窓口数は1〜{MAX_WINDOWS}で入力してください（出張申請は最大{MAX_WINDOWS}窓口）。"
            )
        return windows


class PhaseForm(forms.Form):
    date = JapaneseDateField(label="日付")
    starts = _time("開始")
    ends = _time("終了")
    note = forms.CharField(label="内容", max_length=200, required=False, validators=[no_individual_number])


def timeline_forms(event, data=None) -> list[tuple[Phase, PhaseForm]]:
    phases = {p.kind: p for p in event.phases.all()}
    result = []
    for kind in Phase.ORDER:
        phase = phases[kind]
        initial = {"date": phase.date, "starts": phase.starts, "ends": phase.ends, "note": phase.note}
        result.append((phase, PhaseForm(data, prefix=kind, initial=initial)))
    return result


class MemberChoiceField(forms.ModelChoiceField):
    def __init__(self, *args, trained_ids: set[int], **kwargs) -> None:
        self.trained_ids = trained_ids
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj: StaffMember) -> str:
        # Say the same reason the assignment would refuse with: not an outreach worker, or not yet trained.
        if obj.pk in self.trained_ids:
            return obj.name
        if not obj.has_skill("outreach"):
            return f"{obj.name}（出張申請の担当外）"
        return f"{obj.name}（出張申請の研修未修了）"


class AssignForm(forms.Form):
    starts = _time("開始", required=False, help_text="空欄なら会場設営の開始から")
    ends = _time("終了", required=False, help_text="空欄なら撤収の終了まで")
    duty = forms.CharField(label="担当", max_length=50, required=False, validators=[no_individual_number])

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        members = list(StaffMember.objects.active().prefetch_related("completions"))
        trained = {m.pk for m in trained_members(skill="outreach", members=members)}
        # Untrained people stay in the list, marked: choosing one gives the reason instead of hiding them.
        self.fields = {
            "member": MemberChoiceField(
                queryset=StaffMember.objects.active(),
                label="従事者",
                trained_ids=trained,
                empty_label="選んでください",
            ),
            **self.fields,
        }


class ChecklistAddForm(forms.Form):
    kind = forms.ChoiceField(label="区分", choices=ChecklistItem.Kind.choices)
    label = forms.CharField(label="項目", max_length=100, validators=[no_individual_number])
    quantity = forms.IntegerField(label="数量", required=False, min_value=1, max_value=999)


class InquiryForm(forms.Form):
    text = forms.CharField(
        label="問合せ内容",
        max_length=300,
        validators=[no_individual_number],
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="個人情報は書かないでください。",
    )
    window = forms.TypedChoiceField(label="窓口", required=False, coerce=int, empty_value=None)

    def __init__(self, *args, windows: int = 4, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["window"]).choices = [("", "（なし）")] + [
            (str(w), f"窓口{w}") for w in range(1, windows + 1)
        ]

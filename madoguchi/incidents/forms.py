from __future__ import annotations

from typing import cast

from django import forms

from madoguchi.calendar.models import Office
from madoguchi.lib.privacy import no_individual_number

from .models import PERSONAL_DATA_HELP, Incident

_DT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class IncidentForm(forms.ModelForm):
    """The first record and later changes share one form; the model's clean() holds the rules."""

    class Meta:
        model = Incident
        fields = [
            "occurred_at",
            "office",
            "place",
            "category",
            "severity",
            "summary",
            "description",
            "anti_social",
            "city_contact",
            "city_notified_at",
            "police_station",
            "police_report_kind",
            "police_reported_at",
            "police_reference",
        ]
        widgets = {
            "occurred_at": _DT,
            "city_notified_at": _DT,
            "police_reported_at": _DT,
            "description": forms.Textarea(attrs={"rows": 5}),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        office = cast(forms.ModelChoiceField, self.fields["office"])
        office.queryset = Office.objects.active()
        office.empty_label = "（庁舎外・不明）"
        for name in ("occurred_at", "city_notified_at", "police_reported_at"):
            cast(forms.DateTimeField, self.fields[name]).input_formats = [
                "%Y-%m-%dT%H:%M",
                "%Y-%m-%d %H:%M",
                "%Y/%m/%d %H:%M",
            ]
        self.fields["summary"].widget.attrs["autofocus"] = True
        # Recorded at once; the reports are required to close it (the model's help text says "required").
        self.fields["anti_social"].help_text = (
            "該当する場合はまずこのまま記録し、速やかに市へ報告・警察へ届け出てください。"
            "市への報告と警察への届出を記録するまで完了にできません。"
        )


class NoteForm(forms.Form):
    text = forms.CharField(
        label="対応内容",
        widget=forms.Textarea(attrs={"rows": 3}),
        validators=[no_individual_number],
        help_text=PERSONAL_DATA_HELP,
    )


class CloseForm(forms.Form):
    closure_note = forms.CharField(
        label="完了時の結果",
        widget=forms.Textarea(attrs={"rows": 3}),
        validators=[no_individual_number],
    )


class FilterForm(forms.Form):
    STATUS = [("open", "対応中のみ"), ("all", "すべて"), ("closed", "完了のみ")]
    status = forms.ChoiceField(label="状態", choices=STATUS, required=False)
    category = forms.ChoiceField(
        label="種別", choices=[("", "すべて"), *Incident.Category.choices], required=False
    )

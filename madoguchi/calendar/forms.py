from __future__ import annotations

from typing import Any, cast

from django import forms

from .models import BusySeason, Office, SpecialDay
from .services import regular_hours


class SpecialDayForm(forms.ModelForm):
    class Meta:
        model = SpecialDay
        fields = ["date", "office", "kind", "opens", "closes", "reason"]
        widgets = {
            "date": forms.DateInput(attrs={"type": "date"}),
            "opens": forms.TimeInput(attrs={"type": "time"}),
            "closes": forms.TimeInput(attrs={"type": "time"}),
        }
        help_texts = {
            "opens": "特別開庁のみ。空欄ならその庁舎の通常の開庁時刻",
            "closes": "特別開庁のみ。空欄ならその庁舎の通常の閉庁時刻",
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        office = cast(forms.ModelChoiceField, self.fields["office"])
        office.queryset = Office.objects.active()
        office.empty_label = "全庁舎"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or self.cleaned_data
        # Openings default to the regular hours; closures carry no hours.
        if data.get("kind") and data["kind"] != SpecialDay.Kind.CLOSURE:
            default_opens, default_closes = regular_hours(data.get("office"))
            data["opens"] = data.get("opens") or default_opens
            data["closes"] = data.get("closes") or default_closes
        elif data.get("kind"):
            data["opens"] = data["closes"] = None
        return data

    def validate_unique(self) -> None:
        super().validate_unique()
        date, office = self.cleaned_data.get("date"), self.cleaned_data.get("office")
        if date and SpecialDay.objects.filter(date=date, office=office).exists():
            self.add_error("date", "この日付・庁舎には既に特別開庁または休業が登録されています。")


class BusySeasonForm(forms.ModelForm):
    class Meta:
        model = BusySeason
        fields = ["name", "start", "end", "closes"]
        widgets = {
            "start": forms.DateInput(attrs={"type": "date"}),
            "end": forms.DateInput(attrs={"type": "date"}),
            "closes": forms.TimeInput(attrs={"type": "time"}),
        }

from __future__ import annotations

from typing import cast

from django import forms

from madoguchi.lib.privacy import no_individual_number

from .models import MynaportalAssist


class AssistForm(forms.ModelForm):
    contact_name = forms.CharField(
        label="連絡先の氏名", required=False, max_length=60, validators=[no_individual_number]
    )
    contact_phone = forms.CharField(
        label="連絡先の電話番号", required=False, max_length=20, validators=[no_individual_number]
    )

    class Meta:
        model = MynaportalAssist
        fields = ["topic", "outcome", "minutes", "note", "follow_up", "contact_name", "contact_phone"]
        widgets = {
            "topic": forms.RadioSelect(attrs={"class": "big-choice", "autofocus": True}),
            "outcome": forms.RadioSelect(attrs={"class": "big-choice"}),
            "note": forms.Textarea(attrs={"rows": 2}),
            "minutes": forms.NumberInput(attrs={"min": 0, "max": 240, "inputmode": "numeric"}),
        }
        help_texts = {
            "follow_up": "必要な場合だけ、氏名と電話番号を入力してください（暗号化して保存します）。"
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["topic"]).choices = MynaportalAssist.Topic.choices
        cast(forms.ChoiceField, self.fields["outcome"]).choices = MynaportalAssist.Outcome.choices

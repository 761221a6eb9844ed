from __future__ import annotations

from typing import Any

from django import forms

from madoguchi.lib.privacy import no_individual_number

from .models import ContactEntry, ContractSettings, OperationsPlan


class PlanCreateForm(forms.Form):
    fiscal_year = forms.IntegerField(
        label="年度（西暦の開始年）", min_value=2020, max_value=2100, help_text="例: 2026（令和8年度）"
    )


class PlanForm(forms.ModelForm):
    """Title, policy and every written part of the plan (実施方法 4(1)–(8), security, handover)."""

    class Meta:
        model = OperationsPlan
        fields = ["title", "policy"]
        widgets = {"policy": forms.Textarea(attrs={"rows": 6})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from .sections.plan import TEXT_PARTS

        sections = self.instance.sections or {}
        for key, title, draft in TEXT_PARTS:
            self.fields[f"section_{key}"] = forms.CharField(
                label=title,
                required=False,
                initial=sections.get(key, draft),
                widget=forms.Textarea(attrs={"rows": 4}),
                validators=[no_individual_number],
                help_text="空欄のままでは市へ提出できません。",
            )

    def sections(self) -> dict[str, str]:
        from .sections.plan import TEXT_PARTS

        return {key: self.cleaned_data.get(f"section_{key}", "").strip() for key, _, _ in TEXT_PARTS}


class PlanDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label="判断", choices=[("approve", "承諾する"), ("return", "差し戻す")], widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label="コメント",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        validators=[no_individual_number],
        help_text="差し戻す場合は理由を入力してください。",
    )

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        # A comment refused by its own validator (e.g. an individual number) is not a missing reason.
        missing = "comment" not in self.errors and not (data.get("comment") or "").strip()
        if data.get("decision") == "return" and missing:
            self.add_error("comment", "差し戻す場合は理由を入力してください。")
        return data


class ContactForm(forms.ModelForm):
    class Meta:
        model = ContactEntry
        fields = ["path", "step", "side", "role_title", "organisation", "person", "phone", "action"]


class HandoverForm(forms.Form):
    include_personal = forms.BooleanField(
        label="個人情報（カードの氏名・折り返し先の電話番号など）を含める",
        required=False,
        help_text="統括管理者のみ選べます。含めた場合も出力はすべて記録されます。",
    )
    reason = forms.CharField(
        label="個人情報を含める理由",
        required=False,
        max_length=200,
        validators=[no_individual_number],
    )

    def __init__(self, *args: object, may_include_personal: bool = False, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        if not may_include_personal:
            del self.fields["include_personal"]
            del self.fields["reason"]

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        # A reason refused by its own validator (e.g. an individual number) is not a missing reason.
        missing = "reason" not in self.errors and not (data.get("reason") or "").strip()
        if data.get("include_personal") and missing:
            self.add_error("reason", "個人情報を含める理由を入力してください。")
        return data


class ContractForm(forms.ModelForm):
    class Meta:
        model = ContractSettings
        fields = [
            "city_name",
            "addressee",
            "section",
            "contractor",
            "contractor_address",
            "representative",
            "contract_name",
            "period_start",
            "period_end",
        ]
        widgets = {
            "period_start": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "period_end": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }


class ManualRevisionForm(forms.Form):
    title = forms.CharField(label="見出し", max_length=100, validators=[no_individual_number])
    steps = forms.CharField(
        label="手順（1行に1手順）",
        widget=forms.Textarea(attrs={"rows": 8}),
        validators=[no_individual_number],
        help_text="画面名はメニューの表記どおりに書きます。番号は印刷時に（1）（2）…と付きます。",
    )
    note = forms.CharField(
        label="注意（任意）",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        validators=[no_individual_number],
    )


class ManualDecisionForm(PlanDecisionForm):
    decision = forms.ChoiceField(
        label="判断", choices=[("approve", "承認する"), ("return", "差し戻す")], widget=forms.RadioSelect
    )

from __future__ import annotations

from django import forms

from madoguchi.lib.exports import ENCODINGS
from madoguchi.lib.privacy import no_individual_number

from .models import STANDARD_CATEGORIES, FaqEntry, Synonym


class EntryForm(forms.ModelForm):
    class Meta:
        model = FaqEntry
        fields = ["category", "question", "answer", "keywords"]
        widgets = {
            "category": forms.TextInput(attrs={"list": "faq-categories", "autofocus": True}),
            "question": forms.Textarea(attrs={"rows": 3}),
            "answer": forms.Textarea(attrs={"rows": 10}),
            "keywords": forms.TextInput(),
        }
        help_texts = {
            "category": "一覧から選ぶか、新しい分類を入力します。",
            "keywords": "検索で見つけてほしい言い方を空白で区切って書きます（例: なくした 落とした）。",
        }

    categories = STANDARD_CATEGORIES


class TransitionForm(forms.Form):
    action = forms.ChoiceField(choices=[(a, a) for a in ("submit", "approve", "return", "retire")])
    comment = forms.CharField(
        label="コメント", required=False, max_length=400, validators=[no_individual_number]
    )


class ImportForm(forms.Form):
    file = forms.FileField(
        label="ファイル（.xlsx / .csv）", widget=forms.ClearableFileInput(attrs={"autofocus": True})
    )
    encoding = forms.ChoiceField(
        label="CSV の文字コード",
        choices=[("", "自動判別（UTF-8 → Shift_JIS）"), *ENCODINGS.items()],
        required=False,
    )
    approve = forms.BooleanField(
        label="承認済みとして取り込む（市が承認済みの質疑応答集を移す・直接更新する場合）", required=False
    )
    retire_missing = forms.BooleanField(
        label="ファイルにない承認済みの項目（識別キーあり）を廃止する（承認済みとして取り込むときだけ）",
        required=False,
    )

    def __init__(self, *args: object, can_approve: bool = False, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        if not can_approve:
            del self.fields["approve"]
            del self.fields["retire_missing"]

    def clean_file(self) -> object:
        f = self.cleaned_data["file"]
        if f.size > 10 * 1024 * 1024:
            raise forms.ValidationError("ファイルが大きすぎます（10MB まで）。")
        return f


class SynonymForm(forms.ModelForm):
    class Meta:
        model = Synonym
        fields = ["term", "expansions", "note"]

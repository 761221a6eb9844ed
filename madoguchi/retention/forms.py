from django import forms


class LegalHoldForm(forms.Form):
    reason = forms.CharField(label="理由（案件名など。個人情報は書かない）", max_length=200)
    start = forms.DateTimeField(
        label="対象期間（開始）", widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    end = forms.DateTimeField(
        label="対象期間（終了）", widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )

from __future__ import annotations

import datetime
from typing import Any, cast

from django import forms

from madoguchi.calendar.models import Office
from madoguchi.lib.jdates import parse_date
from madoguchi.lib.privacy import no_individual_number
from madoguchi.lib.text import normalize_key

from .models import Card, ImportProfile, StorageLocation
from .services import TRANSITIONS

S = Card.State


class JDateField(forms.CharField):
    """A date typed as 2026/4/1, 令和8年4月1日 or with full-width digits."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", "例: 2026/4/1、令和8年4月1日")
        super().__init__(*args, **kwargs)
        self.widget.attrs.setdefault("inputmode", "text")
        self.widget.attrs.setdefault("autocomplete", "off")
        self.widget.attrs.setdefault("maxlength", "30")

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, datetime.date):
            return value.isoformat()
        return value

    def to_python(self, value: Any) -> datetime.date | None:  # type: ignore[override]
        if isinstance(value, datetime.date):
            return value
        text = super().to_python(value)
        if not text:
            return None
        try:
            return parse_date(text)
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None


class ImportForm(forms.Form):
    file = forms.FileField(label="到着カード一覧ファイル（CSV / Excel）")
    encoding = forms.ChoiceField(
        label="文字コード（CSV のみ）",
        choices=[
            ("", "自動判別（UTF-16/UTF-8、読めなければ Shift_JIS）"),
            ("utf-8", "UTF-8"),
            ("cp932", "Shift_JIS (CP932)"),
        ],
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].widget.attrs.update({"accept": ".csv,.xlsx,.txt,.tsv", "autofocus": True})

    def clean_file(self) -> Any:
        from .intake import max_bytes

        f = self.cleaned_data["file"]
        if f.size > max_bytes():
            raise forms.ValidationError(
                f"ファイルが大きすぎます（{f.size / 1024 / 1024:.1f} MB、上限 {max_bytes() / 1024 / 1024:.0f} MB）。分割してください。"
            )
        return f


class ArrivalImportForm(ImportForm):
    """The arrival list: the file, its encoding and the profile (which source's layout)."""

    profile = forms.ModelChoiceField(
        label="取込設定（取込元の様式）",
        queryset=ImportProfile.objects.none(),
        required=False,
        empty_label="自動判別（見出しから。本システムの様式もこれで読めます）",
        help_text="次の画面で列の対応と先頭の行を確認してから取り込みます。Excel のシートもそこで選べます。",
    )
    field_order = ["file", "profile", "encoding"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _model_choice(self, "profile").queryset = ImportProfile.objects.order_by("name")


class CardSearchForm(forms.Form):
    notice_number = forms.CharField(
        label="交付通知書番号", required=False, max_length=30, validators=[no_individual_number]
    )
    kana = forms.CharField(
        label="氏名（カナ）", required=False, max_length=100, validators=[no_individual_number]
    )
    birth_date = JDateField(label="生年月日", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["notice_number"].widget.attrs.update({"autofocus": True, "autocomplete": "off"})

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        notice = data.get("notice_number")
        kana = data.get("kana")
        if notice and contains_digits_only_12(notice):
            raise forms.ValidationError("12桁の数字（個人番号の可能性）は検索できません。")
        if not notice and not kana:
            raise forms.ValidationError("交付通知書番号、または氏名（カナ）と生年月日を入力してください。")
        if kana and not data.get("birth_date"):
            self.add_error("birth_date", "氏名で探すときは生年月日も入力してください。")
        return data


def _model_choice(form: forms.Form, name: str) -> forms.ModelChoiceField:
    return cast(forms.ModelChoiceField, form.fields[name])


def contains_digits_only_12(value: str) -> bool:
    key = normalize_key(value)
    return key.isdigit() and len(key) == 12


class TransitionForm(forms.Form):
    to_state = forms.ChoiceField(label="次の状態")
    storage_location = forms.ModelChoiceField(
        label="収納場所（収納するとき）", queryset=StorageLocation.objects.none(), required=False
    )
    office = forms.ModelChoiceField(label="処理した庁舎", queryset=Office.objects.none(), required=False)
    note = forms.CharField(
        label="備考・理由",
        required=False,
        max_length=300,
        validators=[no_individual_number],
        help_text="保留・返戻・返納・廃棄のときは理由が必要です。",
    )

    def __init__(self, *args: Any, card: Card, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        allowed = TRANSITIONS.get(card.state, frozenset())
        cast(forms.ChoiceField, self.fields["to_state"]).choices = [
            (s, S(s).label) for s in S.values if s in allowed
        ]
        _model_choice(self, "storage_location").queryset = StorageLocation.objects.filter(is_active=True)
        _model_choice(self, "office").queryset = Office.objects.active()


SCAN_STEPS = [
    (S.SET_UP, "交付前設定済にする"),
    (S.FILED, "収納する（収納場所を指定）"),
    (S.NOTICE_MAILED, "通知書発送済にする"),
    (S.PREPARED, "当日準備（取り出し）"),
    (S.RECEIVED_AT_BRANCH, "支所で受領"),
    (S.ISSUED, "交付済にする"),
    (S.NOTICE_RETURNED, "通知書返戻"),
    (S.REMINDER_SENT, "再通知発送済にする"),
]


class ScanForm(forms.Form):
    step = forms.ChoiceField(label="処理", choices=SCAN_STEPS)
    location = forms.CharField(label="収納場所コード", required=False, max_length=70)
    office = forms.ModelChoiceField(label="庁舎", queryset=Office.objects.none(), required=False)
    note = forms.CharField(
        label="理由（返戻のとき）", required=False, max_length=300, validators=[no_individual_number]
    )
    # A 12-digit My Number typed or scanned here is refused, never echoed back as "unknown number".
    notice_number = forms.CharField(label="交付通知書番号", max_length=40, validators=[no_individual_number])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _model_choice(self, "office").queryset = Office.objects.active()
        self.fields["notice_number"].widget.attrs.update(
            {"autofocus": True, "autocomplete": "off", "inputmode": "latin", "class": "scan-input"}
        )


class StorageLocationForm(forms.ModelForm):
    class Meta:
        model = StorageLocation
        fields = ["cabinet", "box", "slot", "capacity", "note"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["cabinet"].widget.attrs["autofocus"] = True


class ShipmentForm(forms.Form):
    office = forms.ModelChoiceField(label="送付先の支所", queryset=Office.objects.none())
    for_date = JDateField(label="交付予定日", required=False)
    note = forms.CharField(label="備考", required=False, max_length=300, validators=[no_individual_number])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _model_choice(self, "office").queryset = Office.objects.active().exclude(kind=Office.Kind.MAIN)


class ReceiveForm(forms.Form):
    notice_number = forms.CharField(
        label="交付通知書番号（スキャン）", max_length=40, validators=[no_individual_number]
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["notice_number"].widget.attrs.update({"autofocus": True, "autocomplete": "off"})


class PostIssuanceForm(forms.Form):
    scanned_notice = forms.CharField(
        label="交付通知書番号（照会書をスキャン）", max_length=40, validators=[no_individual_number]
    )
    issued_on = JDateField(label="交付日")
    id_sheet_filed = forms.BooleanField(label="本人確認書類チェックシートを綴った", required=False)
    notice_filed = forms.BooleanField(label="交付通知書（照会書）を綴った", required=False)
    old_card_collected = forms.BooleanField(label="旧カード・通知カードを回収した（該当時）", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["scanned_notice"].widget.attrs.update({"autofocus": True, "autocomplete": "off"})


class ExportForm(forms.Form):
    encoding = forms.ChoiceField(
        label="文字コード", choices=[("utf-8", "UTF-8"), ("cp932", "Shift_JIS (CP932)")]
    )
    include_exported = forms.BooleanField(label="出力済みのカードも含める", required=False)


class HoldingActionForm(forms.Form):
    ACTIONS = [
        (S.REMINDER_SENT, "再通知を発送した"),
        (S.UNCLAIMED, "未受領（保管期限切れ）にする"),
        (S.RETURNED, "返納（J-LISへ）"),
        (S.DESTROYED, "廃棄"),
    ]
    action = forms.ChoiceField(label="処理", choices=ACTIONS)
    note = forms.CharField(
        label="理由",
        required=False,
        max_length=300,
        validators=[no_individual_number],
        help_text="返納・廃棄のときは理由が必要です。",
    )


class MynaAssistForm(forms.Form):
    applicant_name = forms.CharField(label="申請者氏名", max_length=100, validators=[no_individual_number])
    received_on = JDateField(label="受付日")
    office = forms.ModelChoiceField(label="受付場所", queryset=Office.objects.none(), required=False)
    notice_number = forms.CharField(
        label="交付通知書番号（分かれば）", required=False, max_length=30, validators=[no_individual_number]
    )
    note = forms.CharField(label="備考", required=False, max_length=300, validators=[no_individual_number])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _model_choice(self, "office").queryset = Office.objects.active()
        self.fields["applicant_name"].widget.attrs["autofocus"] = True


class MynaAssistSearchForm(forms.Form):
    name = forms.CharField(
        label="氏名（完全一致）", required=False, max_length=100, validators=[no_individual_number]
    )
    date_from = JDateField(label="受付日（から）", required=False)
    date_to = JDateField(label="受付日（まで）", required=False)


class LedgerForm(forms.Form):
    kind = forms.ChoiceField(
        label="帳簿",
        choices=[
            ("receipts", "受払簿（日ごとの受入・交付・返納・廃棄・残高）"),
            ("disposals", "返納・廃棄簿（カード管理システム用の一覧）"),
        ],
    )
    start = forms.DateField(label="期間（から）")
    end = forms.DateField(label="期間（まで）")
    fmt = forms.ChoiceField(
        label="形式", choices=[("pdf", "PDF（印刷・保存用）"), ("xlsx", "Excel (.xlsx)"), ("csv", "CSV")]
    )
    encoding = forms.ChoiceField(
        label="CSV の文字コード", choices=[("utf-8", "UTF-8"), ("cp932", "Shift_JIS (CP932)")], required=False
    )


class CardCorrectionForm(forms.Form):
    """Wrong personal data fixed on the card page (services.card_correct): only changed fields are applied."""

    applicant_name = forms.CharField(label="氏名", max_length=100)
    applicant_kana = forms.CharField(label="氏名カナ", max_length=100)
    birth_date = JDateField(label="生年月日")
    address = forms.CharField(
        label="住所", max_length=300, required=False, help_text="空欄のままなら変更しません。"
    )
    phone = forms.CharField(
        label="電話番号", max_length=20, required=False, help_text="空欄のままなら変更しません。"
    )
    reason = forms.CharField(
        label="訂正の理由",
        max_length=200,
        validators=[no_individual_number],
        help_text="例: 交付通知書・申請書と照合し、取込データの誤りを訂正。",
    )

    def __init__(self, *args: Any, card: Card, full_contact: bool, **kwargs: Any) -> None:
        initial = {
            "applicant_name": card.applicant_name,
            "applicant_kana": card.applicant_kana,
            "birth_date": card.birth_date,
        }
        if full_contact:  # masked contact details are never put into a form (docs/security.md)
            initial |= {"address": card.address, "phone": card.phone}
        kwargs["initial"] = initial
        kwargs["prefix"] = "fix"
        super().__init__(*args, **kwargs)

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        out = {k: data[k] for k in ("applicant_name", "applicant_kana", "birth_date")}
        out |= {k: data[k] for k in ("address", "phone") if data.get(k)}
        return out

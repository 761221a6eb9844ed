from __future__ import annotations

import datetime
import unicodedata

from django import forms

from madoguchi.calendar.models import Office
from madoguchi.lib.jdates import parse_date
from madoguchi.lib.privacy import no_individual_number

from . import forecast
from .erlang import MODELS
from .models import Skill, StaffMember, TrainingCourse


class JapaneseTimeField(forms.TimeField):
    """A time typed as 10:30, １０：３０ or 10時30分 (full-width digits and colons are normalised)."""

    default_error_messages = {"invalid": "時刻を「10:30」の形で入力してください。"}

    def to_python(self, value: object) -> datetime.time | None:
        if isinstance(value, str):
            value = unicodedata.normalize("NFKC", value).strip().replace("時", ":").replace("分", "")
            if value.endswith(":"):
                value += "00"
        if value is not None and not isinstance(value, str | datetime.time):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


class JapaneseDateField(forms.CharField):
    """Accepts 2026/4/1, 令和8年4月1日, full-width digits (lib.jdates.parse_date)."""

    def to_python(self, value: object) -> datetime.date | None:  # type: ignore[override]
        value = super().to_python(value)
        if not value:
            return None
        try:
            return parse_date(str(value))
        except ValueError as exc:
            raise forms.ValidationError(
                f"日付を読み取れません（例: 2026/4/1、令和8年4月1日）: {value}"
            ) from exc


class ErlangForm(forms.Form):
    model = forms.ChoiceField(
        label="モデル",
        choices=[
            ("b", "アーランB（呼損・6回線）"),
            ("c", "アーランC（待ち）"),
            ("a", "アーランA（放棄あり）"),
        ],
        initial="b",
    )
    calls_per_hour = forms.FloatField(label="1時間あたりの呼数", min_value=0, initial=30)
    aht_seconds = forms.FloatField(label="平均処理時間（秒）", min_value=1, initial=300)
    target = forms.FloatField(
        label="目標（許容する確率、%）",
        min_value=0.01,
        max_value=99.99,
        initial=5,
        help_text="アーランB: 他回線へ回る確率、C: 待たされる確率、A: 放棄する確率の上限。",
    )
    agents = forms.IntegerField(
        label="人数（任意）",
        min_value=0,
        max_value=200,
        required=False,
        help_text="指定するとその人数での確率も表示します。",
    )
    answer_seconds = forms.FloatField(
        label="応答目標（秒、Cのみ・任意）",
        min_value=0,
        required=False,
        help_text="指定すると「この秒数を超えて待つ確率」を目標と比べます。",
    )
    patience_seconds = forms.FloatField(
        label="平均待ち許容時間（秒、Aのみ）", min_value=1, initial=120, required=False
    )
    max_agents = forms.IntegerField(
        label="上限人数（回線数）",
        min_value=1,
        max_value=200,
        initial=forecast.LINES,
        required=False,
        help_text="空欄にすると上限なしで探します。",
    )

    def clean_model(self) -> str:
        value = self.cleaned_data["model"]
        if value not in MODELS:
            raise forms.ValidationError("モデルを選んでください。")
        return value


class PlanCreateForm(forms.Form):
    office = forms.ModelChoiceField(label="庁舎", queryset=Office.objects.active(), empty_label=None)
    month = forms.CharField(
        label="対象月", help_text="例: 2026-04", widget=forms.TextInput(attrs={"type": "month"})
    )

    def clean_month(self) -> tuple[int, int]:
        value = self.cleaned_data["month"].strip()
        try:
            year, month = (int(p) for p in value.replace("/", "-").split("-", 1))
            datetime.date(year, month, 1)
        except (ValueError, TypeError) as exc:
            raise forms.ValidationError("対象月は「2026-04」の形で入力してください。") from exc
        return year, month


class OverridesForm(forms.Form):
    """The site manager's overrides of the forecast figures; blank keeps the computed figure."""

    calls_reservation = forms.IntegerField(label="月間呼数：予約", min_value=0, required=False)
    calls_card_inquiry = forms.IntegerField(
        label="月間呼数：カードに関する問合せ", min_value=0, required=False
    )
    calls_other = forms.IntegerField(label="月間呼数：その他", min_value=0, required=False)
    aht_reservation = forms.IntegerField(label="平均処理時間（秒）：予約", min_value=1, required=False)
    aht_card_inquiry = forms.IntegerField(label="平均処理時間（秒）：問合せ", min_value=1, required=False)
    aht_other = forms.IntegerField(label="平均処理時間（秒）：その他", min_value=1, required=False)
    growth = forms.FloatField(
        label="伸び率（倍）", min_value=0, max_value=10, required=False, help_text="例: 1.1"
    )
    # In percent, as on the Erlang calculator: the forecast itself keeps a fraction (see overrides()).
    target = forms.FloatField(
        label="目標呼損率（%）", min_value=0.1, max_value=50, required=False, help_text="例: 5（5%）"
    )
    cards_preparation = forms.IntegerField(label="交付前準備の枚数（月）", min_value=0, required=False)
    cards_post_issuance = forms.IntegerField(label="交付後処理の枚数（月）", min_value=0, required=False)
    floor_staff = forms.IntegerField(label="フロア案内の人数", min_value=0, max_value=20, required=False)
    outreach_staff = forms.IntegerField(label="出張申請の人数", min_value=0, max_value=20, required=False)
    shrinkage = forms.FloatField(
        label="シュリンケージ（%）",
        min_value=0,
        max_value=80,
        required=False,
        help_text="欠勤・研修・会議で業務に就けない割合。既定 10",
    )
    renewal_call_rate = forms.FloatField(
        label="更新1件あたりの問合せ（件）",
        min_value=0,
        max_value=5,
        required=False,
        help_text="カード更新・電子証明書更新の見込み（年13,302件・35,664件）への問合せ率。既定 0.05",
    )

    def overrides(self) -> dict[str, object]:
        values = {k: v for k, v in self.cleaned_data.items() if v is not None}
        for key in ("target", "shrinkage"):
            if key in values:
                values[key] = round(float(values[key]) / 100, 6)
        return values

    @staticmethod
    def initial_from(overrides: dict[str, object] | None) -> dict[str, object]:
        """The stored overrides as the form shows them (the target back in percent)."""
        initial = dict(overrides or {})
        for key in ("target", "shrinkage"):
            if initial.get(key) not in (None, ""):
                initial[key] = round(float(initial[key]) * 100, 4)  # type: ignore[arg-type]
        return initial


class IntervalOverrideForm(forms.Form):
    start = JapaneseTimeField(label="時間帯", input_formats=["%H:%M"], help_text="開始時刻。例: 10:30")
    skill = forms.ChoiceField(label="業務", choices=Skill.choices)
    people = forms.IntegerField(
        label="必要人数（空欄で算出値に戻す）", min_value=0, max_value=50, required=False
    )


class StaffMemberForm(forms.Form):
    name = forms.CharField(label="氏名（表示名）", max_length=100, validators=[no_individual_number])
    skills = forms.MultipleChoiceField(
        label="担当できる業務", choices=Skill.choices, widget=forms.CheckboxSelectMultiple, required=False
    )
    contract_hours_per_week = forms.DecimalField(
        label="契約時間（週・時間）", min_value=1, max_value=40, decimal_places=2, initial="38.75"
    )
    part_time = forms.BooleanField(label="短時間勤務（パート）", required=False)
    note = forms.CharField(label="備考", max_length=200, required=False, validators=[no_individual_number])


class TrainingCompletionForm(forms.Form):
    member = forms.ModelChoiceField(label="業務従事者", queryset=StaffMember.objects.active())
    course = forms.ModelChoiceField(label="研修", queryset=TrainingCourse.objects.filter(active=True))
    completed_on = JapaneseDateField(label="受講日", help_text="例: 2026/3/20、令和8年3月20日")
    trainer = forms.CharField(label="講師", max_length=100, validators=[no_individual_number])
    note = forms.CharField(label="備考", max_length=200, required=False, validators=[no_individual_number])


class UnavailabilityForm(forms.Form):
    date = JapaneseDateField(label="勤務できない日", help_text="例: 2026/4/10")
    reason = forms.CharField(label="理由", max_length=100, required=False, validators=[no_individual_number])
    available_from = JapaneseTimeField(
        label="この時間なら勤務可能（から）", required=False, help_text="一日休む場合は空欄。例: 13:00"
    )
    available_until = JapaneseTimeField(
        label="この時間なら勤務可能（まで）", required=False, help_text="例: 17:15"
    )

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if bool(data.get("available_from")) != bool(data.get("available_until")):
            self.add_error("available_until", "勤務可能な時間は開始と終了の両方を入力してください。")
        return data


class TimeOffRequestForm(forms.Form):
    date = JapaneseDateField(label="休みたい日", help_text="例: 2026/4/10")
    reason = forms.CharField(
        label="理由（任意）", max_length=100, required=False, validators=[no_individual_number]
    )


class ShiftEditForm(forms.Form):
    """One person's shift on one day (a manager's edit), or taking them off that day."""

    member = forms.ModelChoiceField(label="業務従事者", queryset=StaffMember.objects.active())
    date = JapaneseDateField(label="日付", help_text="例: 2026/4/10")
    office = forms.ModelChoiceField(label="庁舎", queryset=Office.objects.active(), required=False)
    template: forms.ModelChoiceField = forms.ModelChoiceField(label="シフト型", queryset=None, required=False)
    skill = forms.ChoiceField(label="業務", choices=[("", "—")] + list(Skill.choices), required=False)
    clear = forms.BooleanField(label="この日は勤務なしにする", required=False)

    def __init__(self, *args: object, **kwargs: object) -> None:
        from .models import ShiftTemplate

        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["template"].queryset = ShiftTemplate.objects.filter(active=True)  # type: ignore[attr-defined]

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if not data.get("clear"):
            for name in ("office", "template", "skill"):
                if not data.get(name):
                    self.add_error(name, "勤務を入れる場合は庁舎・シフト型・業務を選んでください。")
        return data


class ShiftTemplateForm(forms.Form):
    code = forms.SlugField(label="コード（英数字）", max_length=20)
    name = forms.CharField(label="名称", max_length=50, validators=[no_individual_number])
    start = JapaneseTimeField(label="開始", input_formats=["%H:%M"], help_text="例: 9:00")
    end = JapaneseTimeField(label="終了", input_formats=["%H:%M"], help_text="例: 15:00")
    part_time = forms.BooleanField(label="短時間勤務者用", required=False)
    break_after = forms.IntegerField(
        label="休憩は開始から何分後以降", min_value=0, max_value=600, initial=120, required=False
    )
    break_before_end = forms.IntegerField(
        label="休憩は終了の何分前まで", min_value=0, max_value=600, initial=90, required=False
    )
    weekdays = forms.TypedMultipleChoiceField(
        label="使う曜日",
        choices=list(enumerate(["月", "火", "水", "木", "金", "土", "日"])),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="選ばなければ毎日。",
    )
    active = forms.BooleanField(label="使用中", required=False, initial=True)

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("break_after") is None:
            data["break_after"] = 120
        if data.get("break_before_end") is None:
            data["break_before_end"] = 90
        return data

"""トラブル・苦情・不当要求: what happened, who at the city was told, police reports, follow-up and closure.

Spec 10(3) and 14(2)②: troubles are reported to city staff without delay; 14(2) 暴力団等: undue demands by
anti-social forces are refused, reported to the city at once and reported to the police.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from madoguchi.lib.privacy import no_individual_number

PERSONAL_DATA_HELP = "氏名・住所・電話番号などの個人情報は、対応に必要な場合を除き書かないでください。"


class IncidentQuerySet(models.QuerySet["Incident"]):
    def open(self) -> IncidentQuerySet:
        return self.exclude(status=Incident.Status.CLOSED)

    def in_month(self, year: int, month: int) -> IncidentQuerySet:
        return self.filter(occurred_at__year=year, occurred_at__month=month)


class Incident(models.Model):
    class Category(models.TextChoices):
        TROUBLE = "trouble", "トラブル"
        COMPLAINT = "complaint", "苦情"
        UNDUE_DEMAND = "undue_demand", "不当要求"

    class Severity(models.IntegerChoices):
        MINOR = 1, "軽微"
        MODERATE = 2, "中程度"
        SERIOUS = 3, "重大"

    class Status(models.TextChoices):
        OPEN = "open", "対応中"
        CLOSED = "closed", "完了"

    class PoliceReportKind(models.TextChoices):
        NOTIFICATION = "notification", "届出（不当要求）"
        DAMAGE = "damage", "被害届（被害・業務妨害）"

    occurred_at = models.DateTimeField("発生日時", default=timezone.now, db_index=True)
    office = models.ForeignKey(
        "calendar.Office",
        verbose_name="庁舎",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    place = models.CharField(
        "場所・業務",
        max_length=100,
        blank=True,
        validators=[no_individual_number],
        help_text="例: 交付窓口、コールセンター、出張申請会場",
    )
    category = models.CharField("種別", max_length=20, choices=Category.choices)
    severity = models.PositiveSmallIntegerField("重大度", choices=Severity.choices, default=Severity.MINOR)
    summary = models.CharField("件名", max_length=120, validators=[no_individual_number])
    description = models.TextField(
        "発生した事象", validators=[no_individual_number], help_text=PERSONAL_DATA_HELP
    )
    anti_social = models.BooleanField(
        "暴力団等（反社会的勢力）による不当要求",
        default=False,
        help_text="該当する場合は市への報告と警察への届出の記録が必須です。",
    )
    city_contact = models.CharField(
        "報告した市職員（課・氏名）", max_length=100, blank=True, validators=[no_individual_number]
    )
    city_notified_at = models.DateTimeField("市への報告日時", null=True, blank=True)
    police_station = models.CharField(
        "届出先の警察署", max_length=100, blank=True, validators=[no_individual_number]
    )
    police_reported_at = models.DateTimeField("警察への届出日時", null=True, blank=True)
    police_report_kind = models.CharField(
        "届出の種類", max_length=20, choices=PoliceReportKind.choices, blank=True
    )
    police_reference = models.CharField(
        "受理番号など", max_length=50, blank=True, validators=[no_individual_number]
    )
    status = models.CharField(
        "状態", max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    closed_at = models.DateTimeField("完了日時", null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="完了処理者",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    closure_note = models.TextField("完了時の結果", blank=True, validators=[no_individual_number])
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="記録者", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("記録日時", auto_now_add=True)

    objects = IncidentQuerySet.as_manager()

    class Meta:
        verbose_name = "トラブル・苦情・不当要求"
        verbose_name_plural = "トラブル・苦情・不当要求"
        ordering = ["-occurred_at", "-id"]
        permissions = [("close_incident", "トラブル・苦情を完了にできる")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.summary}"

    @property
    def is_open(self) -> bool:
        return self.status != self.Status.CLOSED

    @property
    def police_required(self) -> bool:
        return self.anti_social

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.anti_social and self.category != self.Category.UNDUE_DEMAND:
            errors["anti_social"] = "反社会的勢力による不当要求は、種別「不当要求」で記録してください。"
        # Spec 14(2): refuse, report to the city at once and to the police. The demand is recorded first (by
        # whoever faced it, at once); the city and police reports follow and are required to close it.
        if self.police_reported_at:
            for field, label in {
                "police_station": "届出先の警察署",
                "police_report_kind": "届出の種類",
            }.items():
                if not getattr(self, field):
                    errors[field] = f"警察への届出日時を記録する場合は「{label}」も入力してください。"
        if self.city_notified_at and not self.city_contact:
            errors.setdefault(
                "city_contact", "市へ報告した日時を記録する場合は、報告した市職員も入力してください。"
            )
        if self.city_notified_at and self.occurred_at and self.city_notified_at < self.occurred_at:
            errors.setdefault("city_notified_at", "市への報告日時は発生日時より後にしてください。")
        if self.police_reported_at and self.occurred_at and self.police_reported_at < self.occurred_at:
            errors.setdefault("police_reported_at", "警察への届出日時は発生日時より後にしてください。")
        if self.occurred_at and self.occurred_at > timezone.now() + datetime.timedelta(minutes=5):
            errors.setdefault("occurred_at", "発生日時が未来になっています。")
        if errors:
            raise ValidationError(errors)


class IncidentNote(models.Model):
    """One follow-up step: what was done, by whom, when (the history the city and a successor read)."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="notes")
    at = models.DateTimeField("日時", default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="記録者", on_delete=models.PROTECT, related_name="+"
    )
    text = models.TextField("対応内容", validators=[no_individual_number], help_text=PERSONAL_DATA_HELP)

    class Meta:
        verbose_name = "対応経過"
        verbose_name_plural = "対応経過"
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.incident_id} {self.at:%Y-%m-%d %H:%M}"

"""フロア業務: one row per visitor guided (a tap on the tablet), and the Mynaportal support log (spec 4(3), 4(6))."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from madoguchi.lib.crypto import EncryptedTextField
from madoguchi.lib.privacy import no_individual_number


class Purpose(models.TextChoices):
    FORM_HELP = "form_help", "申請書の記載案内"
    PICKUP = "pickup", "受取"
    E_CERTIFICATE = "e_certificate", "電子証明書"
    ADDRESS_CHANGE = "address_change", "住所変更など"
    MYNAPORTAL = "mynaportal", "マイナポータル"
    OTHER = "other", "その他"


class GuidanceTapQuerySet(models.QuerySet["GuidanceTap"]):
    def counted(self) -> GuidanceTapQuerySet:
        return self.filter(undone_at__isnull=True)

    def on(self, office_id: int, date: object) -> GuidanceTapQuerySet:
        return self.filter(office_id=office_id, day=date)


class GuidanceTap(models.Model):
    """One visitor guided. Undo marks the row instead of deleting it, so a count can never go below zero
    and the day's tapping stays traceable."""

    office = models.ForeignKey(
        "calendar.Office", verbose_name="庁舎", on_delete=models.PROTECT, related_name="+"
    )
    purpose = models.CharField("用件", max_length=20, choices=Purpose.choices)
    at = models.DateTimeField("日時", default=timezone.now)
    # The local date, stored so a day's counts are one indexed filter (no timezone arithmetic in SQL).
    day = models.DateField("日付", db_index=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="記録者", on_delete=models.PROTECT, related_name="+"
    )
    undone_at = models.DateTimeField("取消日時", null=True, blank=True)
    # Idempotency keys made by the tablet for the tap and for the undo that took it back: a tap queued offline
    # and sent again (lost answer, two tabs) is counted once, an undo sent twice takes back one tap.
    key = models.UUIDField("送信キー", null=True, blank=True, unique=True, editable=False)
    undo_key = models.UUIDField("取消の送信キー", null=True, blank=True, unique=True, editable=False)

    objects = GuidanceTapQuerySet.as_manager()

    class Meta:
        verbose_name = "フロア案内の記録"
        verbose_name_plural = "フロア案内の記録"
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["office", "day"])]

    def __str__(self) -> str:
        return f"{self.day} {self.get_purpose_display()}"


class MynaportalAssist(models.Model):
    """One Mynaportal assist. No personal data unless a follow-up needs a way to reach the resident."""

    class Topic(models.TextChoices):
        INSURANCE = "insurance", "保険証の利用登録"
        PUBLIC_FUND_ACCOUNT = "public_fund_account", "公金受取口座"
        CANNOT_LOGIN = "cannot_login", "ログインできない"
        OTHER = "other", "その他"

    class Outcome(models.TextChoices):
        DONE = "done", "完了"
        EXPLAINED = "explained", "説明のみ（ご自身で手続き）"
        REFERRED = "referred", "他の窓口・機関へ案内"
        NOT_RESOLVED = "not_resolved", "解決できず"

    at = models.DateTimeField("日時", default=timezone.now, db_index=True)
    office = models.ForeignKey(
        "calendar.Office", verbose_name="庁舎", on_delete=models.PROTECT, related_name="+"
    )
    topic = models.CharField("内容", max_length=30, choices=Topic.choices)
    outcome = models.CharField("結果", max_length=20, choices=Outcome.choices)
    minutes = models.PositiveSmallIntegerField("所要時間（分）", null=True, blank=True)
    follow_up = models.BooleanField("後日の連絡が必要", default=False)
    contact_name = EncryptedTextField("連絡先の氏名", blank=True, default="")
    contact_phone = EncryptedTextField("連絡先の電話番号", blank=True, default="")
    note = models.TextField(
        "メモ",
        blank=True,
        validators=[no_individual_number],
        help_text="暗証番号・個人情報は書かないでください。",
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="記録者", on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "マイナポータル支援の記録"
        verbose_name_plural = "マイナポータル支援の記録"
        ordering = ["-at", "-id"]
        permissions = [("view_assist_contact", "マイナポータル支援の連絡先を閲覧できる")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_topic_display()}"

    @property
    def has_contact(self) -> bool:
        return bool(self.contact_name or self.contact_phone)

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.follow_up and not (self.contact_name and self.contact_phone):
            errors["contact_phone"] = "後日の連絡が必要な場合は、連絡先の氏名と電話番号を入力してください。"
        if not self.follow_up and self.has_contact:
            # Personal data only when needed: without a follow-up there is no reason to keep it.
            errors["contact_name"] = "後日の連絡が不要な場合は、氏名・電話番号を記録しないでください。"
        for field in ("contact_name", "contact_phone"):
            try:
                no_individual_number(getattr(self, field))
            except ValidationError as exc:
                errors.setdefault(field, exc.messages[0])
        if self.minutes is not None and self.minutes > 240:
            errors["minutes"] = "所要時間は240分以内で入力してください。"
        if errors:
            raise ValidationError(errors)

"""Retention: what was deleted or anonymised, under which rule, approved by whom; legal holds; approvals."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from madoguchi.lib.privacy import no_individual_number


class RetentionApproval(models.Model):
    """A director or city staff member approved real deletion after reading a dry-run report."""

    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="承認者"
    )
    approved_at = models.DateTimeField("承認日時", default=timezone.now)
    schedule = models.JSONField("承認した保存期間（日数）", default=dict)
    revoked_at = models.DateTimeField("取消日時", null=True, blank=True)

    class Meta:
        verbose_name = "削除の承認"
        verbose_name_plural = "削除の承認"
        ordering = ["-approved_at"]
        default_permissions = ()
        permissions = [("approve_retention", "保存期間経過データの削除を承認できる")]

    def __str__(self) -> str:
        return f"{self.approved_at:%Y-%m-%d} {self.approved_by}"


class DeletionRecord(models.Model):
    """One rule applied once: how many records of which kind were (or, in a dry run, would be) deleted."""

    at = models.DateTimeField("実行日時", default=timezone.now, db_index=True)
    kind = models.CharField("対象", max_length=50)
    rule = models.CharField("規則", max_length=200)
    cutoff = models.DateTimeField("基準日時（これより前）")
    count = models.PositiveIntegerField("件数")
    dry_run = models.BooleanField("試算", default=False)
    approval = models.ForeignKey(
        RetentionApproval,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="承認",
    )
    holds = models.PositiveIntegerField("除外した保全期間の数", default=0)

    class Meta:
        verbose_name = "削除記録"
        verbose_name_plural = "削除記録"
        ordering = ["-at", "-id"]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d} {self.kind} {self.count}"


class LegalHold(models.Model):
    """Records dated inside [start, end] are not deleted while the hold is active (an investigation, a claim)."""

    reason = models.CharField("理由", max_length=200, validators=[no_individual_number])
    start = models.DateTimeField("対象期間（開始）")
    end = models.DateTimeField("対象期間（終了）")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("登録日時", default=timezone.now)
    released_at = models.DateTimeField("解除日時", null=True, blank=True)

    class Meta:
        verbose_name = "保全（削除の停止）"
        verbose_name_plural = "保全（削除の停止）"
        ordering = ["-created_at"]
        default_permissions = ("add", "view")

    def __str__(self) -> str:
        return self.reason

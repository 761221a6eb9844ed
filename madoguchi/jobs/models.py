"""A job is long work a person started (or the scheduler): what it is, who started it, how far it got, and
what it produced. The queue itself is django-tasks' database backend; this row is what people see."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse


class Job(models.Model):
    class State(models.TextChoices):
        QUEUED = "queued", "待機中"
        RUNNING = "running", "実行中"
        DONE = "done", "完了"
        FAILED = "failed", "失敗"
        CANCELLED = "cancelled", "取消"

    ACTIVE_STATES = (State.QUEUED, State.RUNNING)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField("種類", max_length=100)
    title = models.CharField("処理", max_length=200)
    # Ids and choices only: params are shown to developers in logs, never personal data (checked at start).
    params = models.JSONField("引数", default=dict, blank=True)
    # Two jobs with the same lock key never run at once (the unique constraint below, in the database).
    lock_key = models.CharField("排他キー", max_length=200, blank=True)
    state = models.CharField("状態", max_length=20, choices=State.choices, default=State.QUEUED)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField("受付", auto_now_add=True)
    started_at = models.DateTimeField("開始", null=True, blank=True)
    finished_at = models.DateTimeField("終了", null=True, blank=True)
    heartbeat_at = models.DateTimeField("最終応答", null=True, blank=True)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    progress_message = models.CharField("経過", max_length=300, blank=True)
    cancel_requested = models.BooleanField(default=False)
    error_message = models.TextField("エラー", blank=True)
    result_summary = models.JSONField("結果", default=dict, blank=True)
    result_url = models.CharField("結果の画面", max_length=300, blank=True)
    result_file = models.CharField("結果ファイル（保存先）", max_length=300, blank=True)
    result_name = models.CharField("結果ファイル名", max_length=200, blank=True)
    result_content_type = models.CharField(max_length=100, blank=True)
    result_size = models.PositiveBigIntegerField(default=0)
    result_sha256 = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = "バックグラウンド処理"
        verbose_name_plural = "バックグラウンド処理"
        ordering = ["-created_at"]
        permissions = [("view_all_jobs", "すべての処理の状況を見られる")]
        constraints = [
            models.UniqueConstraint(
                fields=["lock_key"],
                condition=models.Q(state__in=["queued", "running"]) & ~models.Q(lock_key=""),
                name="jobs_one_active_job_per_lock_key",
            )
        ]
        indexes = [
            models.Index(fields=["state", "heartbeat_at"]),
            models.Index(fields=["lock_key", "-created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.title}（{self.get_state_display()}）"

    def get_absolute_url(self) -> str:
        return reverse("jobs:detail", args=[self.pk])

    @property
    def is_active(self) -> bool:
        return self.state in self.ACTIVE_STATES

    @property
    def percent(self) -> int | None:
        if not self.progress_total:
            return None
        return min(100, round(100 * self.progress_done / self.progress_total))


class ScheduledRun(models.Model):
    """One row per periodic kind and period: the unique constraint lets exactly one scheduler start it."""

    kind = models.CharField(max_length=100)
    period = models.CharField(max_length=40)
    created_at = models.DateTimeField(auto_now_add=True)
    job = models.ForeignKey(Job, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "period"], name="jobs_one_run_per_period")]

    def __str__(self) -> str:
        return f"{self.kind} {self.period}"

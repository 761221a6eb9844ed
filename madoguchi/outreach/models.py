"""出張申請: city-run application sessions at shopping facilities (spec 4(2), 14(2)③: up to 4 windows).

An event has a timeline (preparation, set-up, reception, tear-down), trained staff assigned, an equipment and
set-up checklist, and on the day a count of applications received per window and notes of inquiries.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from madoguchi.lib.privacy import no_individual_number

MAX_WINDOWS = 4  # spec 14(2)③: 市主催の出張申請は最大で4窓口程度


class OutreachEventQuerySet(models.QuerySet["OutreachEvent"]):
    def active(self) -> OutreachEventQuerySet:
        return self.exclude(status=OutreachEvent.Status.CANCELLED)

    def in_month(self, year: int, month: int) -> OutreachEventQuerySet:
        return self.filter(date__year=year, date__month=month)


class OutreachEvent(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", "予定"
        CANCELLED = "cancelled", "中止"

    venue = models.CharField(
        "会場（商業施設）",
        max_length=100,
        validators=[no_individual_number],
        help_text="例: ゆめタウン久留米",
    )
    venue_detail = models.CharField(
        "会場の場所",
        max_length=200,
        blank=True,
        validators=[no_individual_number],
        help_text="例: 1階 センターコート",
    )
    date = models.DateField("実施日", db_index=True)
    opens = models.TimeField("受付開始", default=datetime.time(10, 0))
    closes = models.TimeField("受付終了", default=datetime.time(16, 0))
    windows = models.PositiveSmallIntegerField("窓口数", default=MAX_WINDOWS)
    status = models.CharField("状態", max_length=10, choices=Status.choices, default=Status.PLANNED)
    note = models.TextField("備考", blank=True, validators=[no_individual_number])
    # The calendar entry this event created (only when the main office was otherwise closed that day).
    special_day = models.OneToOneField(
        "calendar.SpecialDay",
        verbose_name="カレンダーの特別開庁",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="outreach_event",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登録者", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = OutreachEventQuerySet.as_manager()

    class Meta:
        verbose_name = "出張申請"
        verbose_name_plural = "出張申請"
        ordering = ["date", "opens", "id"]
        permissions = [
            ("assign_staff", "出張申請に従事者を配置できる"),
            ("tick_checklist", "出張申請の備品・設営チェックを記録できる"),
            ("count_applications", "出張申請の当日の受付件数・問合せを記録できる"),
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.venue}"

    @property
    def is_active(self) -> bool:
        return self.status != self.Status.CANCELLED

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.windows is not None and not 1 <= self.windows <= MAX_WINDOWS:
            errors["windows"] = (
                f"窓口数は1〜{MAX_WINDOWS}で入力してください（出張申請は最大{MAX_WINDOWS}窓口）。"
            )
        if self.opens and self.closes and self.closes <= self.opens:
            errors["closes"] = "受付終了は受付開始より後の時刻にしてください。"
        if errors:
            raise ValidationError(errors)


class Phase(models.Model):
    """One step of the event's timeline."""

    class Kind(models.TextChoices):
        PREPARATION = "preparation", "事前準備"
        SETUP = "setup", "会場設営"
        RECEPTION = "reception", "受付"
        TEARDOWN = "teardown", "撤収"

    ORDER = [Kind.PREPARATION, Kind.SETUP, Kind.RECEPTION, Kind.TEARDOWN]

    event = models.ForeignKey(OutreachEvent, on_delete=models.CASCADE, related_name="phases")
    kind = models.CharField("工程", max_length=20, choices=Kind.choices)
    date = models.DateField("日付")
    starts = models.TimeField("開始")
    ends = models.TimeField("終了")
    note = models.CharField("内容", max_length=200, blank=True, validators=[no_individual_number])

    class Meta:
        verbose_name = "工程"
        verbose_name_plural = "工程"
        ordering = ["date", "starts", "id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "kind"], name="outreach_phase_once_per_event")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.date} {self.starts}-{self.ends}"

    @property
    def start_at(self) -> datetime.datetime:
        return datetime.datetime.combine(self.date, self.starts)


class StaffAssignment(models.Model):
    """A trained staff member working the event day from `starts` to `ends`."""

    event = models.ForeignKey(OutreachEvent, on_delete=models.CASCADE, related_name="assignments")
    member = models.ForeignKey(
        "staffing.StaffMember",
        verbose_name="従事者",
        on_delete=models.PROTECT,
        related_name="outreach_assignments",
    )
    starts = models.TimeField("開始")
    ends = models.TimeField("終了")
    duty = models.CharField(
        "担当",
        max_length=50,
        blank=True,
        validators=[no_individual_number],
        help_text="例: 受付・案内・責任者",
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="配置した人", on_delete=models.PROTECT, related_name="+"
    )
    assigned_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "従事者の配置"
        verbose_name_plural = "従事者の配置"
        ordering = ["starts", "member__name"]
        constraints = [
            models.UniqueConstraint(fields=["event", "member"], name="outreach_assignment_once_per_event")
        ]

    def __str__(self) -> str:
        return f"{self.member} {self.starts}-{self.ends}"


class ChecklistItem(models.Model):
    """An equipment or set-up item; who ticked it and when stays on the row."""

    class Kind(models.TextChoices):
        EQUIPMENT = "equipment", "備品"
        SETUP = "setup", "設営"

    event = models.ForeignKey(OutreachEvent, on_delete=models.CASCADE, related_name="checklist")
    kind = models.CharField("区分", max_length=20, choices=Kind.choices)
    label = models.CharField("項目", max_length=100, validators=[no_individual_number])
    quantity = models.PositiveSmallIntegerField("数量", null=True, blank=True)
    sort_order = models.PositiveSmallIntegerField(default=0)
    checked_at = models.DateTimeField("確認日時", null=True, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="確認者",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = "備品・設営チェック"
        verbose_name_plural = "備品・設営チェック"
        ordering = ["kind", "sort_order", "id"]

    def __str__(self) -> str:
        return self.label

    @property
    def is_checked(self) -> bool:
        return self.checked_at is not None


class WindowCount(models.Model):
    """Applications received at one window of the event (never below zero)."""

    event = models.ForeignKey(OutreachEvent, on_delete=models.CASCADE, related_name="window_counts")
    window = models.PositiveSmallIntegerField("窓口")
    applications = models.PositiveIntegerField("申請受付件数", default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "窓口別の受付件数"
        verbose_name_plural = "窓口別の受付件数"
        ordering = ["window"]
        constraints = [
            models.UniqueConstraint(fields=["event", "window"], name="outreach_window_once_per_event"),
            models.CheckConstraint(
                condition=models.Q(applications__gte=0), name="outreach_window_count_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"窓口{self.window}: {self.applications}"


class WindowTap(models.Model):
    """One +1/−1 sent by a counter tablet, by its idempotency key: a tap queued offline and sent again is applied
    once."""

    key = models.UUIDField("送信キー", unique=True, editable=False)
    event = models.ForeignKey(OutreachEvent, on_delete=models.CASCADE, related_name="+")
    window = models.PositiveSmallIntegerField("窓口")
    delta = models.SmallIntegerField("増減")
    at = models.DateTimeField("日時", auto_now_add=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "受付件数の操作"
        verbose_name_plural = "受付件数の操作"

    def __str__(self) -> str:
        return f"窓口{self.window} {self.delta:+d}"


class Inquiry(models.Model):
    """A question visitors asked at the venue (to improve the FAQ and the next event); no personal data."""

    event = models.ForeignKey(OutreachEvent, on_delete=models.CASCADE, related_name="inquiries")
    at = models.DateTimeField("日時")
    window = models.PositiveSmallIntegerField("窓口", null=True, blank=True)
    text = models.CharField("問合せ内容", max_length=300, validators=[no_individual_number])
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="記録者", on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "会場での問合せ"
        verbose_name_plural = "会場での問合せ"
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return self.text[:30]

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import models

from madoguchi.lib.privacy import no_individual_number


class OfficeQuerySet(models.QuerySet["Office"]):
    def active(self) -> OfficeQuerySet:
        return self.filter(is_active=True)


class Office(models.Model):
    """A place where residents collect cards: the main office (本庁) or a branch (総合支所)."""

    class Kind(models.TextChoices):
        MAIN = "main", "本庁"
        BRANCH = "branch", "総合支所・市民センター"

    code = models.SlugField("コード", max_length=30, unique=True)
    name = models.CharField("名称", max_length=100)
    kind = models.CharField("種別", max_length=10, choices=Kind.choices, default=Kind.BRANCH)
    opens = models.TimeField("開庁時刻", default=datetime.time(8, 30))
    closes = models.TimeField("閉庁時刻", default=datetime.time(17, 15))
    thursday_evening = models.BooleanField("木曜夜間延長あり", default=False)
    busy_season_evening = models.BooleanField("繁忙期夜間延長あり", default=False)
    evening_closes = models.TimeField("夜間延長の終了時刻", default=datetime.time(19, 0))
    sort_order = models.PositiveSmallIntegerField("表示順", default=0)
    is_active = models.BooleanField("有効", default=True)

    objects = OfficeQuerySet.as_manager()

    class Meta:
        verbose_name = "庁舎"
        verbose_name_plural = "庁舎"
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.closes <= self.opens:
            raise ValidationError({"closes": "閉庁時刻は開庁時刻より後にしてください。"})
        if self.evening_closes <= self.closes:
            raise ValidationError({"evening_closes": "夜間延長の終了時刻は閉庁時刻より後にしてください。"})


class SpecialDay(models.Model):
    """An exception to the regular rules: a special opening (holiday issuance, year-end, …) or a closure.

    `office` empty means every office. An office's own entry wins over an all-office entry on the same date.
    """

    class Kind(models.TextChoices):
        HOLIDAY_ISSUANCE = "holiday_issuance", "休日交付"
        YEAR_END = "year_end", "年末開庁"
        FISCAL_YEAR_END = "fiscal_year_end", "年度末開庁"
        OUTREACH = "outreach", "出張申請"
        OTHER_OPENING = "other_opening", "その他の特別開庁"
        CLOSURE = "closure", "臨時休業"

    date = models.DateField("日付", db_index=True)
    office = models.ForeignKey(
        Office,
        verbose_name="庁舎（空欄は全庁舎）",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="special_days",
    )
    kind = models.CharField("種別", max_length=20, choices=Kind.choices)
    opens = models.TimeField("開始時刻", null=True, blank=True)
    closes = models.TimeField("終了時刻", null=True, blank=True)
    reason = models.CharField("理由・内容", max_length=200, validators=[no_individual_number])
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "特別開庁・臨時休業"
        verbose_name_plural = "特別開庁・臨時休業"
        ordering = ["date", "office__sort_order"]
        constraints = [
            models.UniqueConstraint(fields=["date", "office"], name="special_day_unique_per_office"),
            models.UniqueConstraint(
                fields=["date"],
                condition=models.Q(office__isnull=True),
                name="special_day_unique_all_offices",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()}"

    @property
    def is_opening(self) -> bool:
        return self.kind != self.Kind.CLOSURE

    def clean(self) -> None:
        if self.is_opening:
            if self.opens is None or self.closes is None:
                raise ValidationError("特別開庁には開始時刻と終了時刻が必要です。")
            if self.closes <= self.opens:
                raise ValidationError({"closes": "終了時刻は開始時刻より後にしてください。"})


class BusySeason(models.Model):
    """A date range (fiscal year end/start) in which offices with busy_season_evening stay open later."""

    name = models.CharField("名称", max_length=100, validators=[no_individual_number])
    start = models.DateField("開始日")
    end = models.DateField("終了日")
    closes = models.TimeField("終了時刻", default=datetime.time(19, 0))

    class Meta:
        verbose_name = "繁忙期の夜間延長"
        verbose_name_plural = "繁忙期の夜間延長"
        ordering = ["start"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.end < self.start:
            raise ValidationError({"end": "終了日は開始日以降にしてください。"})

"""人員配置・シフト: staff members with skills, training records, forecasts, plans and shifts."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from madoguchi.lib.privacy import no_individual_number


class Skill(models.TextChoices):
    """The jobs a staff member can be scheduled for (spec 4: 電話, 交付事務, フロア, 出張)."""

    PHONES = "phones", "電話応対"
    BACK_OFFICE = "back_office", "交付事務"
    FLOOR = "floor", "フロア案内"
    OUTREACH = "outreach", "出張申請"


def _validate_skills(value: object) -> None:
    if not isinstance(value, list) or any(v not in Skill.values for v in value):
        raise ValidationError("業務の指定が正しくありません。")


class StaffMemberQuerySet(models.QuerySet["StaffMember"]):
    def active(self) -> StaffMemberQuerySet:
        return self.filter(active=True)

    def with_skill(self, skill: str) -> StaffMemberQuerySet:
        # JSON containment is not portable to SQLite; a quoted substring match on the list is exact for our codes.
        return self.filter(skills__icontains=f'"{skill}"')


class StaffMember(models.Model):
    """A person of the contractor's team who can be scheduled (not necessarily a system user)."""

    # A staff display name is not resident personal data: plain text is fine.
    name = models.CharField("氏名（表示名）", max_length=100, validators=[no_individual_number])
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name="ログインアカウント",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="staff_member",
    )
    skills = models.JSONField("担当できる業務", default=list, blank=True, validators=[_validate_skills])
    contract_hours_per_week = models.DecimalField(
        "契約時間（週）",
        max_digits=5,
        decimal_places=2,
        default=Decimal("38.75"),
        validators=[MinValueValidator(Decimal("1")), MaxValueValidator(Decimal("40"))],
    )
    part_time = models.BooleanField("短時間勤務（パート）", default=False)
    home_office = models.ForeignKey(
        "calendar.Office",
        verbose_name="主な勤務場所",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    active = models.BooleanField("在籍", default=True)
    note = models.CharField("備考", max_length=200, blank=True, validators=[no_individual_number])
    created_at = models.DateTimeField(auto_now_add=True)

    objects = StaffMemberQuerySet.as_manager()

    class Meta:
        verbose_name = "業務従事者"
        verbose_name_plural = "業務従事者"
        ordering = ["name", "id"]
        permissions = [
            ("manage_staff", "業務従事者を登録・変更できる"),
            ("view_training", "研修記録を閲覧できる"),
            ("record_training", "研修の受講を記録できる"),
        ]

    def __str__(self) -> str:
        return self.name

    def has_skill(self, skill: str) -> bool:
        return skill in (self.skills or [])

    @property
    def skill_labels(self) -> str:
        return "・".join(Skill(s).label for s in Skill.values if s in (self.skills or []))


class TrainingCourse(models.Model):
    """A course the spec requires (10(3), 7). `required_for` lists the skills that need it."""

    code = models.SlugField("コード", max_length=30, unique=True)
    name = models.CharField("研修名", max_length=100, validators=[no_individual_number])
    description = models.CharField("内容", max_length=300, blank=True, validators=[no_individual_number])
    required_for = models.JSONField("必須となる業務", default=list, blank=True, validators=[_validate_skills])
    sort_order = models.PositiveSmallIntegerField("表示順", default=0)
    active = models.BooleanField("使用中", default=True)

    class Meta:
        verbose_name = "研修"
        verbose_name_plural = "研修"
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name

    def is_required_for(self, skill: str) -> bool:
        return skill in (self.required_for or [])

    @property
    def required_for_labels(self) -> str:
        return "・".join(Skill(s).label for s in Skill.values if s in (self.required_for or []))


class TrainingCompletion(models.Model):
    """One staff member completed one course on a date, taught by a trainer."""

    member = models.ForeignKey(
        StaffMember, verbose_name="業務従事者", on_delete=models.CASCADE, related_name="completions"
    )
    course = models.ForeignKey(
        TrainingCourse, verbose_name="研修", on_delete=models.PROTECT, related_name="completions"
    )
    completed_on = models.DateField("受講日")
    trainer = models.CharField("講師", max_length=100, validators=[no_individual_number])
    note = models.CharField("備考", max_length=200, blank=True, validators=[no_individual_number])
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="記録者",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "研修受講記録"
        verbose_name_plural = "研修受講記録"
        ordering = ["-completed_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "course", "completed_on"], name="training_completion_once_a_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.member} {self.course} {self.completed_on}"

    def clean(self) -> None:
        if self.completed_on and self.completed_on > datetime.date.today() + datetime.timedelta(days=1):
            raise ValidationError({"completed_on": "受講日に未来の日付は指定できません。"})

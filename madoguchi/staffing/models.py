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


class Unavailability(models.Model):
    """A day a staff member cannot work (leave, training elsewhere): the solver never schedules it."""

    member = models.ForeignKey(
        StaffMember, verbose_name="業務従事者", on_delete=models.CASCADE, related_name="unavailable_days"
    )
    date = models.DateField("日付")
    reason = models.CharField("理由", max_length=100, blank=True, validators=[no_individual_number])

    class Meta:
        verbose_name = "勤務不可日"
        verbose_name_plural = "勤務不可日"
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["member", "date"], name="unavailability_once_a_day")]

    def __str__(self) -> str:
        return f"{self.member} {self.date}"


class ShiftTemplate(models.Model):
    """A shift pattern (8:30–17:15, 10:15–19:00, part-time …). Breaks follow from its span (labour law)."""

    code = models.SlugField("コード", max_length=20, unique=True)
    name = models.CharField("名称", max_length=50, validators=[no_individual_number])
    start = models.TimeField("開始")
    end = models.TimeField("終了")
    part_time = models.BooleanField("短時間勤務者用", default=False)
    sort_order = models.PositiveSmallIntegerField("表示順", default=0)
    active = models.BooleanField("使用中", default=True)

    class Meta:
        verbose_name = "シフト型"
        verbose_name_plural = "シフト型"
        ordering = ["sort_order", "start"]

    def __str__(self) -> str:
        return f"{self.name}（{self.start:%-H:%M}〜{self.end:%-H:%M}）"

    def clean(self) -> None:
        earliest = datetime.time(8, 30)
        latest = datetime.time(19, 0)
        if self.start and self.end:
            if self.end <= self.start:
                raise ValidationError({"end": "終了時刻は開始時刻より後にしてください。"})
            if self.start < earliest or self.end > latest:
                raise ValidationError(
                    {
                        "start": "シフトは業務時間（8:30〜19:00）の中に収めてください。開庁時間外のシフトは作れません。"
                    }
                )
            for t in (self.start, self.end):
                if t.minute % 15:
                    raise ValidationError({"start": "時刻は15分単位で指定してください。"})


class MonthPlan(models.Model):
    """One office's staffing plan for one month: forecast → requirements → schedule."""

    class Status(models.TextChoices):
        DRAFT = "draft", "作成中"
        FORECAST = "forecast", "必要人数算出済み"
        SOLVED = "solved", "シフト作成済み"
        SHORT = "short", "シフト作成済み（不足あり）"
        FAILED = "failed", "シフト作成不可"

    office = models.ForeignKey(
        "calendar.Office", verbose_name="庁舎", on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField("年")
    month = models.PositiveSmallIntegerField("月", validators=[MinValueValidator(1), MaxValueValidator(12)])
    status = models.CharField("状態", max_length=10, choices=Status.choices, default=Status.DRAFT)
    # Site-manager overrides of the forecast figures (see forecast.py PARAMETERS for keys).
    overrides = models.JSONField("上書きした数値", default=dict, blank=True)
    # The figures the forecast used (monthly calls, AHT, cards, sources) — shown on the plan page.
    figures = models.JSONField("予測の根拠", default=dict, blank=True)
    messages = models.JSONField("注意事項", default=list, blank=True)
    solver_status = models.CharField("求解結果", max_length=20, blank=True)
    objective = models.FloatField("目的関数値", null=True, blank=True)
    bound = models.FloatField("下界", null=True, blank=True)
    gap = models.FloatField("最適性ギャップ", null=True, blank=True)
    wall_seconds = models.FloatField("計算時間（秒）", null=True, blank=True)
    paid_minutes = models.PositiveIntegerField("総勤務時間（分）", default=0)
    short_slots = models.PositiveIntegerField("不足（人×15分）", default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    solved_at = models.DateTimeField("作成日時", null=True, blank=True)

    class Meta:
        verbose_name = "月間人員計画"
        verbose_name_plural = "月間人員計画"
        ordering = ["-year", "-month", "office__sort_order"]
        constraints = [
            models.UniqueConstraint(fields=["office", "year", "month"], name="month_plan_once_per_office")
        ]
        permissions = [
            ("manage_plan", "人員計画を作成・シフトを作成できる"),
            ("use_erlang", "アーラン計算機を使える"),
        ]

    def __str__(self) -> str:
        return f"{self.year}年{self.month}月 {self.office}"

    SOLVER_STATUS_LABELS = {
        "OPTIMAL": "最適解（これ以上よいシフトはありません）",
        "FEASIBLE": "実行可能解（時間内に見つかった最良のシフト）",
        "NO_SOLUTION": "解なし",
    }

    @property
    def solver_status_label(self) -> str:
        """The solver's status in Japanese (the stored value stays the solver's own word)."""
        return self.SOLVER_STATUS_LABELS.get(self.solver_status, self.solver_status)

    @property
    def first_day(self) -> datetime.date:
        return datetime.date(self.year, self.month, 1)

    @property
    def last_day(self) -> datetime.date:
        import calendar

        return datetime.date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])


class PlanInterval(models.Model):
    """Required vs scheduled people for one half-hour interval, one skill, one day of a plan."""

    plan = models.ForeignKey(MonthPlan, on_delete=models.CASCADE, related_name="intervals")
    date = models.DateField("日付")
    start = models.TimeField("開始")
    end = models.TimeField("終了")
    skill = models.CharField("業務", max_length=20, choices=Skill.choices)
    calls_per_hour = models.FloatField("予測呼数（1時間あたり）", default=0)
    required = models.PositiveSmallIntegerField("必要人数（算出）", default=0)
    override = models.PositiveSmallIntegerField("必要人数（上書き）", null=True, blank=True)
    scheduled = models.PositiveSmallIntegerField("配置人数", default=0)
    rollover = models.FloatField("呼損率（算出）", null=True, blank=True)

    class Meta:
        verbose_name = "時間帯別の必要人数"
        verbose_name_plural = "時間帯別の必要人数"
        ordering = ["date", "start", "skill"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "date", "start", "skill"], name="plan_interval_unique")
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.start:%H:%M} {self.skill}"

    @property
    def need(self) -> int:
        return self.required if self.override is None else self.override


class PlanShift(models.Model):
    """One person's shift on one day of a plan, with its break."""

    plan = models.ForeignKey(MonthPlan, on_delete=models.CASCADE, related_name="shifts")
    member = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="shifts")
    date = models.DateField("日付")
    skill = models.CharField("業務", max_length=20, choices=Skill.choices)
    template_code = models.CharField("シフト型", max_length=20)
    start = models.TimeField("開始")
    end = models.TimeField("終了")
    break_start = models.TimeField("休憩開始", null=True, blank=True)
    break_end = models.TimeField("休憩終了", null=True, blank=True)
    paid_minutes = models.PositiveSmallIntegerField("勤務時間（分）")

    class Meta:
        verbose_name = "シフト"
        verbose_name_plural = "シフト"
        ordering = ["date", "start", "member__name"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "member", "date"], name="plan_shift_once_a_day")
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.member} {self.start:%H:%M}-{self.end:%H:%M}"

    @property
    def paid_hours_label(self) -> str:
        return f"{self.paid_minutes // 60}時間{self.paid_minutes % 60:02d}分"

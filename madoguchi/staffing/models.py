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


WEEKDAY_LABELS = ["月", "火", "水", "木", "金", "土", "日"]


def _validate_weekdays(value: object) -> None:
    if not isinstance(value, list) or any(not isinstance(v, int) or not 0 <= v <= 6 for v in value):
        raise ValidationError("曜日の指定が正しくありません（0=月曜〜6=日曜）。")


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
    offices = models.ManyToManyField(
        "calendar.Office",
        verbose_name="応援で勤務できる庁舎",
        blank=True,
        related_name="+",
        help_text="主な勤務場所のほかに勤務できる庁舎。",
    )
    min_hours_per_week = models.DecimalField(
        "週の最低時間",
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="空欄: 常勤は契約時間、短時間勤務は0時間。",
    )
    max_hours_per_week = models.DecimalField(
        "週の上限時間",
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="空欄: 契約時間。",
        validators=[MaxValueValidator(Decimal("40"))],
    )
    min_hours_per_month = models.DecimalField(
        "月の最低時間", max_digits=6, decimal_places=2, null=True, blank=True
    )
    max_hours_per_month = models.DecimalField(
        "月の上限時間", max_digits=6, decimal_places=2, null=True, blank=True
    )
    max_consecutive_days = models.PositiveSmallIntegerField(
        "連続勤務の上限（日）", default=5, validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    preferred_weekdays = models.JSONField(
        "希望する曜日", default=list, blank=True, validators=[_validate_weekdays]
    )
    unwanted_weekdays = models.JSONField(
        "避けたい曜日", default=list, blank=True, validators=[_validate_weekdays]
    )
    active = models.BooleanField("在籍", default=True)
    # When "在籍" was last switched off: the retention schedule counts from it (staffing.departed_member).
    left_at = models.DateTimeField("在籍を外した日時", null=True, blank=True, editable=False)
    note = models.CharField("備考", max_length=200, blank=True, validators=[no_individual_number])
    # Secret of the person's iCalendar feed (a calendar app cannot log in); replaced on request.
    calendar_token = models.CharField("カレンダー配信の鍵", max_length=64, blank=True, editable=False)
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

    @property
    def max_week_minutes(self) -> int:
        cap = self.max_hours_per_week if self.max_hours_per_week is not None else self.contract_hours_per_week
        return int(cap * 60)

    def clean(self) -> None:
        if (
            self.min_hours_per_week is not None
            and self.max_hours_per_week is not None
            and self.min_hours_per_week > self.max_hours_per_week
        ):
            raise ValidationError({"min_hours_per_week": "週の最低時間が上限時間を超えています。"})
        if (
            self.min_hours_per_month is not None
            and self.max_hours_per_month is not None
            and self.min_hours_per_month > self.max_hours_per_month
        ):
            raise ValidationError({"min_hours_per_month": "月の最低時間が上限時間を超えています。"})


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
    """A day (or part of a day) a staff member cannot work: leave, training elsewhere, a time-off request.

    Approved entries bind the solver: a whole day off, or with `available_from`/`available_until` only shifts
    inside that window. Requests by staff wait for a manager's approval."""

    class Status(models.TextChoices):
        REQUESTED = "requested", "申請中"
        APPROVED = "approved", "承認済み"
        REJECTED = "rejected", "却下"

    member = models.ForeignKey(
        StaffMember, verbose_name="業務従事者", on_delete=models.CASCADE, related_name="unavailable_days"
    )
    date = models.DateField("日付")
    reason = models.CharField("理由", max_length=100, blank=True, validators=[no_individual_number])
    available_from = models.TimeField("勤務可能（から）", null=True, blank=True)
    available_until = models.TimeField("勤務可能（まで）", null=True, blank=True)
    status = models.CharField("状態", max_length=10, choices=Status.choices, default=Status.APPROVED)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "勤務不可日"
        verbose_name_plural = "勤務不可日"
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["member", "date"], name="unavailability_once_a_day")]

    def __str__(self) -> str:
        return f"{self.member} {self.date}"

    @property
    def whole_day(self) -> bool:
        return self.available_from is None and self.available_until is None

    def clean(self) -> None:
        if (self.available_from is None) != (self.available_until is None):
            raise ValidationError({"available_until": "勤務可能な時間は開始と終了の両方を指定してください。"})
        if self.available_from and self.available_until and self.available_until <= self.available_from:
            raise ValidationError({"available_until": "勤務可能な時間の終了は開始より後にしてください。"})


def _all_weekdays() -> list[int]:
    return list(range(7))


class ShiftTemplate(models.Model):
    """A shift pattern (8:30–17:15, 10:15–19:00, part-time …). Breaks follow from its span (labour law)."""

    code = models.SlugField("コード", max_length=20, unique=True)
    name = models.CharField("名称", max_length=50, validators=[no_individual_number])
    start = models.TimeField("開始")
    end = models.TimeField("終了")
    part_time = models.BooleanField("短時間勤務者用", default=False)
    break_after = models.PositiveSmallIntegerField(
        "休憩は開始から（分後以降）", default=120, validators=[MaxValueValidator(600)]
    )
    break_before_end = models.PositiveSmallIntegerField(
        "休憩は終了の（分前まで）", default=90, validators=[MaxValueValidator(600)]
    )
    weekdays = models.JSONField(
        "使う曜日", default=_all_weekdays, blank=True, validators=[_validate_weekdays]
    )
    sort_order = models.PositiveSmallIntegerField("表示順", default=0)
    active = models.BooleanField("使用中", default=True)

    class Meta:
        verbose_name = "シフト型"
        verbose_name_plural = "シフト型"
        ordering = ["sort_order", "start"]

    def __str__(self) -> str:
        return f"{self.name}（{self.start:%-H:%M}〜{self.end:%-H:%M}）"

    def clean(self) -> None:
        """Off the 15-minute grid or backwards is refused here; whether it fits an office's opening hours (with
        the set-up time before opening) is checked against the calendar by `services.shift_template_*`."""
        if self.start and self.end:
            if self.end <= self.start:
                raise ValidationError({"end": "終了時刻は開始時刻より後にしてください。"})
            for name, t in (("start", self.start), ("end", self.end)):
                if t.minute % 15:
                    raise ValidationError({name: "時刻は15分単位で指定してください。"})


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


class Roster(models.Model):
    """The month's schedule for every office at once (one person, one shift a day, whatever the office).

    Lifecycle: draft (solved, edited) → published (staff see their own shifts) → past days locked. Each solve,
    re-solve and edit keeps a version (RosterVersion); the shifts themselves live in PlanShift (one office plan
    each), unique per person and day across all offices."""

    class State(models.TextChoices):
        DRAFT = "draft", "下書き"
        PUBLISHED = "published", "公開中"

    year = models.PositiveSmallIntegerField("年")
    month = models.PositiveSmallIntegerField("月", validators=[MinValueValidator(1), MaxValueValidator(12)])
    state = models.CharField("公開状態", max_length=10, choices=State.choices, default=State.DRAFT)
    version = models.PositiveIntegerField("版", default=0)
    solver_status = models.CharField("求解結果", max_length=20, blank=True)
    objective = models.FloatField("目的関数値", null=True, blank=True)
    bound = models.FloatField("下界", null=True, blank=True)
    gap = models.FloatField("最適性ギャップ", null=True, blank=True)
    wall_seconds = models.FloatField("計算時間（秒）", null=True, blank=True)
    short_slots = models.PositiveIntegerField("不足（人×15分）", default=0)
    paid_minutes = models.PositiveIntegerField("総勤務時間（分）", default=0)
    messages = models.JSONField("注意事項", default=list, blank=True)
    changes = models.JSONField("公開済みシフトの変更", default=list, blank=True)
    published_at = models.DateTimeField("公開日時", null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    solved_at = models.DateTimeField("作成日時", null=True, blank=True)

    class Meta:
        verbose_name = "月間シフト表"
        verbose_name_plural = "月間シフト表"
        ordering = ["-year", "-month"]
        constraints = [models.UniqueConstraint(fields=["year", "month"], name="roster_once_a_month")]

    def __str__(self) -> str:
        return f"{self.year}年{self.month}月のシフト表"

    @property
    def lock_key(self) -> str:
        return f"staffing.roster:{self.year}-{self.month:02d}"

    @property
    def first_day(self) -> datetime.date:
        return datetime.date(self.year, self.month, 1)

    @property
    def last_day(self) -> datetime.date:
        import calendar

        return datetime.date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    @property
    def published(self) -> bool:
        return self.state == self.State.PUBLISHED

    def locked(self, date: datetime.date, today: datetime.date) -> bool:
        """Past days of a published roster are locked (what was worked is not re-planned)."""
        return self.published and date < today

    @property
    def status_sentence(self) -> str:
        """Whether a shortfall is real or a time-limit result, in Japanese."""
        if not self.solver_status:
            return "まだシフトを作成していません。"
        if self.solver_status == "OPTIMAL":
            if self.short_slots:
                return (
                    "最適解です。表示している不足は、契約時間・休暇・研修の条件のもとでは避けられないことが"
                    "証明されています（人員の追加か条件の見直しが必要です）。"
                )
            return "最適解です。すべての時間帯を充足しています。"
        if self.solver_status == "FEASIBLE":
            gap = f"{(self.gap or 0) * 100:.2f}%"
            if self.short_slots:
                return (
                    f"制限時間内の最良の解です（最適性ギャップ {gap}）。表示している不足は計算時間の制約による"
                    "可能性があり、計算時間を延ばすと減ることがあります。"
                )
            return f"制限時間内の最良の解です（最適性ギャップ {gap}）。すべての時間帯を充足しています。"
        if self.solver_status == "INFEASIBLE":
            return "規則を同時に満たすシフトがないことが証明されました。注意事項の人・日・規則を見直してください。"
        return "制限時間内にシフト案が見つかりませんでした。"


class RosterVersion(models.Model):
    """A kept version of the roster: every solve, re-solve and edit (what changed is in `summary`)."""

    class Kind(models.TextChoices):
        SOLVE = "solve", "作成"
        RESOLVE = "resolve", "再作成（最小変更）"
        EDIT = "edit", "個別修正"
        PUBLISH = "publish", "公開"

    roster = models.ForeignKey(Roster, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField("版")
    kind = models.CharField("種類", max_length=10, choices=Kind.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    summary = models.JSONField("概要", default=dict)
    # [member_id, "YYYY-MM-DD", office_id, template, skill, "HH:MM", "HH:MM", break_start, break_end, paid, source]
    shifts = models.JSONField("シフト", default=list)

    class Meta:
        verbose_name = "シフト表の版"
        verbose_name_plural = "シフト表の版"
        ordering = ["-number"]
        constraints = [models.UniqueConstraint(fields=["roster", "number"], name="roster_version_unique")]

    def __str__(self) -> str:
        return f"{self.roster} 第{self.number}版"


class PlanShift(models.Model):
    """One person's shift on one day at one office (its plan's), with its break.

    One shift per person per day across all offices is a database constraint; on PostgreSQL a constraint
    trigger also refuses a person's weekly minutes above their maximum (migration 0006)."""

    class Source(models.TextChoices):
        SOLVER = "solver", "自動作成"
        OUTREACH = "outreach", "出張申請の割り当て"
        MANUAL = "manual", "個別修正"

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
    source = models.CharField("作成元", max_length=10, choices=Source.choices, default=Source.SOLVER)

    class Meta:
        verbose_name = "シフト"
        verbose_name_plural = "シフト"
        ordering = ["date", "start", "member__name"]
        constraints = [models.UniqueConstraint(fields=["member", "date"], name="shift_one_a_day_all_offices")]

    def __str__(self) -> str:
        return f"{self.date} {self.member} {self.start:%H:%M}-{self.end:%H:%M}"

    @property
    def paid_hours_label(self) -> str:
        return f"{self.paid_minutes // 60}時間{self.paid_minutes % 60:02d}分"

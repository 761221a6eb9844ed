"""Reports the city receives: monthly reports as submitted (with a snapshot of their figures),
operations plans with their approval, and the editable contact structure the plan prints."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from madoguchi.lib.privacy import no_individual_number


class MonthlyReport(models.Model):
    """One month's report as the director submitted it. The figures are frozen in `snapshot`; a fresh
    computation that differs means the month's data was edited after submission (flagged on the report)."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", "提出済"
        RECEIVED = "received", "市 受領確認済"

    year = models.PositiveSmallIntegerField("年")
    month = models.PositiveSmallIntegerField("月")
    status = models.CharField("状態", max_length=10, choices=Status.choices, default=Status.SUBMITTED)
    snapshot = models.JSONField("提出時の数値", default=dict)
    snapshot_hash = models.CharField("提出時の数値のハッシュ", max_length=64)
    submitted_at = models.DateTimeField("提出日時")
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="提出者", on_delete=models.PROTECT, related_name="+"
    )
    received_at = models.DateTimeField("受領確認日時", null=True, blank=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="受領確認者",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.TextField("備考", blank=True, validators=[no_individual_number])

    class Meta:
        verbose_name = "月報（提出記録）"
        verbose_name_plural = "月報（提出記録）"
        ordering = ["-year", "-month"]
        constraints = [
            models.UniqueConstraint(fields=["year", "month"], name="monthly_report_once_per_month"),
            models.CheckConstraint(
                condition=Q(month__gte=1, month__lte=12), name="monthly_report_month_1_12"
            ),
        ]
        default_permissions = ("view",)
        permissions = [
            ("produce_reports", "月報・業務計画書・引継ぎ資料を作成・出力できる"),
            ("submit_monthlyreport", "月報を提出済にできる"),
            ("receive_monthlyreport", "提出された月報の受領を確認できる"),
            ("handover_personal_data", "引継ぎ資料に個人情報を含めることを選べる"),
        ]

    def __str__(self) -> str:
        return f"{self.year}年{self.month}月 月報"

    @property
    def ym(self) -> str:
        return f"{self.year}-{self.month:02d}"


class OperationsPlan(models.Model):
    """業務計画書: one per fiscal year (a new version after a return). Its content is generated from
    staffing, contacts and training when it is produced; what was submitted is kept in `content`."""

    class Status(models.TextChoices):
        DRAFT = "draft", "作成中"
        SUBMITTED = "submitted", "提出済（承諾待ち）"
        APPROVED = "approved", "承諾済"
        RETURNED = "returned", "差戻し"

    fiscal_year = models.PositiveSmallIntegerField("年度")
    version = models.PositiveSmallIntegerField("版", default=1)
    title = models.CharField("表題", max_length=100, default="業務計画書", validators=[no_individual_number])
    policy = models.TextField(
        "業務実施方針",
        blank=True,
        validators=[no_individual_number],
        help_text="計画書の冒頭に載せる方針（品質・研修・個人情報保護など）。",
    )
    status = models.CharField("状態", max_length=10, choices=Status.choices, default=Status.DRAFT)
    # The written parts (実施方法 per spec item, security, handover), keyed as in sections/plan.TEXT_PARTS.
    sections = models.JSONField("記述する項目", default=dict, blank=True)
    content = models.JSONField("提出時の内容", default=dict, blank=True)
    content_hash = models.CharField("提出時の内容のハッシュ", max_length=64, blank=True)
    submitted_at = models.DateTimeField("提出日時", null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="提出者",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField("承諾・差戻し日時", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="承諾・差戻しした市職員",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decision_comment = models.TextField("市からのコメント", blank=True, validators=[no_individual_number])
    created_at = models.DateTimeField("作成日時", auto_now_add=True)
    updated_at = models.DateTimeField("更新日時", auto_now=True)

    class Meta:
        verbose_name = "業務計画書"
        verbose_name_plural = "業務計画書"
        ordering = ["-fiscal_year", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["fiscal_year", "version"], name="operations_plan_version_once"),
        ]
        permissions = [("approve_operationsplan", "業務計画書を承諾・差戻しできる")]

    def __str__(self) -> str:
        return f"令和{self.fiscal_year - 2018}年度 {self.title}（第{self.version}版）"

    @property
    def is_editable(self) -> bool:
        return self.status in (self.Status.DRAFT, self.Status.RETURNED)


class ContactEntry(models.Model):
    """One line of the contact structure (連絡体制): who is called, in which case, in which order.
    Business contacts of the contractor, the city and the police; never residents."""

    class Side(models.TextChoices):
        CONTRACTOR = "contractor", "受託者"
        CITY = "city", "市"
        EXTERNAL = "external", "関係機関"

    class Path(models.TextChoices):
        REGULAR = "regular", "平常時の連絡・報告"
        TROUBLE = "trouble", "トラブル・重大な事故"
        ANTISOCIAL = "antisocial", "暴力団等からの不当要求"
        INCIDENT = "incident", "個人情報事故・セキュリティ事故"
        ABSENCE = "absence", "突発的な欠員"

    path = models.CharField("連絡経路", max_length=12, choices=Path.choices)
    step = models.PositiveSmallIntegerField("順番", default=1, help_text="1が最初の連絡先。")
    side = models.CharField("区分", max_length=12, choices=Side.choices)
    role_title = models.CharField(
        "役割",
        max_length=60,
        validators=[no_individual_number],
        help_text="例: 統括管理者、業務管理者、市民課 担当係長、所轄警察署",
    )
    organisation = models.CharField("所属", max_length=100, blank=True, validators=[no_individual_number])
    person = models.CharField("担当者名", max_length=60, blank=True, validators=[no_individual_number])
    phone = models.CharField(
        "連絡先（業務用電話）", max_length=30, blank=True, validators=[no_individual_number]
    )
    action = models.CharField("行うこと", max_length=200, blank=True, validators=[no_individual_number])
    created_at = models.DateTimeField("作成日時", auto_now_add=True)
    updated_at = models.DateTimeField("更新日時", auto_now=True)

    class Meta:
        verbose_name = "連絡体制"
        verbose_name_plural = "連絡体制"
        ordering = ["path", "step", "id"]

    def __str__(self) -> str:
        return f"{self.get_path_display()} {self.step}. {self.role_title}"


class ContractSettings(models.Model):
    """The contract the documents are written for (one row, edited on screen): who addresses whom.
    Nothing city-specific lives in code; every 鑑 and cover reads these."""

    city_name = models.CharField("発注者（市区町村名）", max_length=50, validators=[no_individual_number])
    addressee = models.CharField(
        "宛名", max_length=60, validators=[no_individual_number], help_text="例: 久留米市長"
    )
    section = models.CharField(
        "担当課", max_length=60, validators=[no_individual_number], help_text="例: 市民文化部 市民課"
    )
    contractor = models.CharField("受託者", max_length=100, validators=[no_individual_number])
    contractor_address = models.CharField(
        "受託者の所在地", max_length=150, blank=True, validators=[no_individual_number]
    )
    representative = models.CharField(
        "代表者（役職・氏名）",
        max_length=100,
        validators=[no_individual_number],
        help_text="例: 代表取締役 山田太郎",
    )
    contract_name = models.CharField("契約名（業務名）", max_length=150, validators=[no_individual_number])
    period_start = models.DateField("契約期間（開始）")
    period_end = models.DateField("契約期間（終了）")
    updated_at = models.DateTimeField("更新日時", auto_now=True)

    class Meta:
        verbose_name = "契約情報"
        verbose_name_plural = "契約情報"

    def __str__(self) -> str:
        return self.contract_name

    @property
    def missing(self) -> list[str]:
        """Labels of required settings left empty (a document is refused while any is)."""
        labels = {
            "city_name": "発注者（市区町村名）",
            "addressee": "宛名",
            "section": "担当課",
            "contractor": "受託者",
            "representative": "代表者（役職・氏名）",
            "contract_name": "契約名（業務名）",
        }
        out = [label for name, label in labels.items() if not str(getattr(self, name) or "").strip()]
        if not self.period_start or not self.period_end:
            out.append("契約期間")
        return out


class MonthClose(models.Model):
    """月次締め: a month whose figures the director has reconciled, with the director's commentary."""

    year = models.PositiveSmallIntegerField("年")
    month = models.PositiveSmallIntegerField("月")
    closed_at = models.DateTimeField("締めた日時", null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="締めた人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    special_notes = models.TextField("特記事項", blank=True, validators=[no_individual_number])
    problems = models.TextField("課題・問題点", blank=True, validators=[no_individual_number])
    improvements = models.TextField("改善の取組", blank=True, validators=[no_individual_number])
    # The reason for the next 訂正版, entered before its job starts (job parameters carry ids only).
    correction_reason = models.TextField("訂正の理由", blank=True, validators=[no_individual_number])
    updated_at = models.DateTimeField("更新日時", auto_now=True)

    class Meta:
        verbose_name = "月次締め"
        verbose_name_plural = "月次締め"
        ordering = ["-year", "-month"]
        constraints = [models.UniqueConstraint(fields=["year", "month"], name="month_close_once")]
        default_permissions = ("view", "change")

    def __str__(self) -> str:
        return f"{self.year}年{self.month}月 月次締め"

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None


class ReconcileNote(models.Model):
    """Why an item on the month-close list is right as it is (e.g. a call still 通話中 because the PBX lost
    the hang-up): written by a person, kept with the month."""

    year = models.PositiveSmallIntegerField("年")
    month = models.PositiveSmallIntegerField("月")
    item_key = models.CharField("項目", max_length=80)
    explanation = models.TextField("説明", validators=[no_individual_number])
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="記入者", on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField("記入日時", default=timezone.now)

    class Meta:
        verbose_name = "月次締めの説明"
        verbose_name_plural = "月次締めの説明"
        constraints = [
            models.UniqueConstraint(fields=["year", "month", "item_key"], name="reconcile_note_once")
        ]

    def __str__(self) -> str:
        return f"{self.year}-{self.month:02d} {self.item_key}"


class MonthlyReportVersion(models.Model):
    """One document as it was handed to the city: 初版 (number 0) or 訂正版 第N版, with the exact PDF and XLSX
    bytes and their SHA-256, what changed since the previous version, and the city's receipt."""

    report = models.ForeignKey(MonthlyReport, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveSmallIntegerField("版（0 = 初版）")
    pdf = models.BinaryField("PDF")
    pdf_sha256 = models.CharField("PDF の SHA-256", max_length=64)
    xlsx = models.BinaryField("XLSX")
    xlsx_sha256 = models.CharField("XLSX の SHA-256", max_length=64)
    snapshot = models.JSONField("数値", default=dict)
    changes = models.JSONField("前の版からの変更", default=list, blank=True)
    reason = models.TextField("訂正の理由", blank=True, validators=[no_individual_number])
    submitted_at = models.DateTimeField("提出日時")
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="提出者", on_delete=models.PROTECT, related_name="+"
    )
    received_at = models.DateTimeField("受領確認日時", null=True, blank=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="受領確認者",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = "月報の提出版"
        verbose_name_plural = "月報の提出版"
        ordering = ["report", "number"]
        constraints = [
            models.UniqueConstraint(fields=["report", "number"], name="monthly_report_version_once")
        ]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.report} {self.label}"

    @property
    def label(self) -> str:
        return "初版" if self.number == 0 else f"訂正版（第{self.number}版）"

    def filename(self, fmt: str) -> str:
        suffix = "" if self.number == 0 else f"_訂正版{self.number}"
        return f"月報_{self.report.ym}{suffix}.{fmt}"


class ManualRevision(models.Model):
    """One revision of a section of the 業務手順書 (a task of reports/manual.py, by its key). The site manager
    or director writes it, submits it, and city staff approve or return it. The printed manual uses each
    section's latest approved revision, or the text shipped with the app (「初版（同梱）」) when it has none.
    Every revision stays: the history of who changed what, when, and who approved it."""

    class State(models.TextChoices):
        DRAFT = "draft", "作成中"
        SUBMITTED = "submitted", "市の確認待ち"
        RETURNED = "returned", "差戻し"
        APPROVED = "approved", "承認済（使用中）"
        SUPERSEDED = "superseded", "承認済（旧版）"

    OPEN_STATES = ("draft", "submitted", "returned")

    key = models.CharField("項目", max_length=40)
    number = models.PositiveSmallIntegerField("版")
    title = models.CharField("見出し", max_length=100, validators=[no_individual_number])
    steps = models.TextField("手順（1行に1手順）", validators=[no_individual_number])
    note = models.TextField("注意", blank=True, validators=[no_individual_number])
    state = models.CharField("状態", max_length=10, choices=State.choices, default=State.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="作成者", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("作成日時", default=timezone.now)
    updated_at = models.DateTimeField("更新日時", default=timezone.now)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="提出者",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    submitted_at = models.DateTimeField("提出日時", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="承認・差戻しした市職員",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField("承認・差戻し日時", null=True, blank=True)
    decision_comment = models.TextField("市からのコメント", blank=True, validators=[no_individual_number])

    class Meta:
        verbose_name = "業務手順書の改訂"
        verbose_name_plural = "業務手順書の改訂"
        ordering = ["key", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["key", "number"], name="manual_revision_number_once"),
            # At most one revision per section is being worked on or waiting for the city.
            models.UniqueConstraint(
                fields=["key"],
                condition=Q(state__in=["draft", "submitted", "returned"]),
                name="manual_revision_one_open",
            ),
        ]
        permissions = [
            ("edit_manual", "業務手順書を改訂・提出できる"),
            ("approve_manual", "業務手順書の改訂を承認・差戻しできる"),
        ]

    def __str__(self) -> str:
        return f"業務手順書 {self.key} 第{self.number}版"

    @property
    def step_list(self) -> list[str]:
        return [line.strip() for line in self.steps.splitlines() if line.strip()]

    @property
    def is_editable(self) -> bool:
        return self.state in (self.State.DRAFT, self.State.RETURNED)


class ManualScreenshot(models.Model):
    """A screen of the running app as printed in the 業務手順書, taken by `madoguchi manual_screenshots` from a
    server showing demo data (never residents' data). The newest per key is printed; older ones stay."""

    key = models.CharField("画面", max_length=40)
    png = models.BinaryField("画像（PNG）")
    sha256 = models.CharField("SHA-256", max_length=64)
    width = models.PositiveIntegerField("幅")
    height = models.PositiveIntegerField("高さ")
    path = models.CharField("撮影した画面のパス", max_length=200)
    taken_at = models.DateTimeField("撮影日時", default=timezone.now)

    class Meta:
        verbose_name = "業務手順書の画面"
        verbose_name_plural = "業務手順書の画面"
        ordering = ["key", "-taken_at", "-pk"]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.key} {self.taken_at:%Y-%m-%d %H:%M}"

"""質疑応答集: FAQ entries with a city-approval workflow, their full history, and the search synonym table."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from madoguchi.lib.privacy import no_individual_number

# The spec's topics; categories are free text (a city importing its own collection keeps its own 分類).
STANDARD_CATEGORIES = [
    "制度全般",
    "通知カード・個人番号通知書",
    "カード",
    "受取予約",
    "電子証明書",
    "暗証番号",
    "紛失・停止",
    "必要書類・持ち物",
    "マイナポータル・健康保険証",
    "国外転出",
    "特急発行",
    "その他",
]


class FaqEntryQuerySet(models.QuerySet["FaqEntry"]):
    def approved(self) -> FaqEntryQuerySet:
        return self.filter(state=FaqEntry.State.APPROVED)

    def visible_to(self, user: object) -> FaqEntryQuerySet:
        """Operators read approved entries only; writers and city staff see every state."""
        if getattr(user, "has_perm", None) and user.has_perm("faq.view_all_states"):  # type: ignore[attr-defined]
            return self
        return self.approved()


class FaqEntry(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", "下書き"
        REVIEW = "review", "審査中"
        APPROVED = "approved", "承認済み"
        RETIRED = "retired", "廃止"

    slug = models.SlugField("識別キー", max_length=80, unique=True, null=True, blank=True)
    category = models.CharField("分類", max_length=60, validators=[no_individual_number])
    question = models.TextField("質問", validators=[no_individual_number])
    answer = models.TextField("回答", validators=[no_individual_number])
    keywords = models.CharField("キーワード", max_length=400, blank=True, validators=[no_individual_number])
    state = models.CharField("状態", max_length=10, choices=State.choices, default=State.DRAFT)
    is_sample = models.BooleanField(
        "サンプル（市の承認待ち）",
        default=False,
        help_text="開発側が用意した文案。市の確認が済むまで画面に「サンプル」と表示します。",
    )
    replaces = models.ForeignKey(
        "self",
        verbose_name="改訂元",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="revisions_of",
    )
    version = models.PositiveIntegerField("版", default=1)
    # Analysed terms per field ({"analyzer": n, "q": [...], "a": [...], "k": [...], "c": [...]}); see search.py.
    search_terms = models.JSONField("検索語", default=dict, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("作成日時", default=timezone.now)
    updated_at = models.DateTimeField("更新日時", default=timezone.now)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField("承認日時", null=True, blank=True)

    objects = FaqEntryQuerySet.as_manager()

    class Meta:
        verbose_name = "質疑応答"
        verbose_name_plural = "質疑応答集"
        ordering = ["category", "id"]
        indexes = [models.Index(fields=["state", "category"])]
        permissions = [
            ("view_all_states", "下書き・審査中・廃止の質疑応答を閲覧する"),
            ("write_faq", "質疑応答の下書きを作成し審査に出す"),
            ("approve_faq", "質疑応答を承認・差し戻し・廃止する"),
            ("import_faq", "質疑応答をファイルから取り込む"),
            ("export_faq", "質疑応答を出力・印刷する"),
        ]

    def __str__(self) -> str:
        return self.question[:40]

    @property
    def is_editable(self) -> bool:
        return self.state == self.State.DRAFT

    def keyword_list(self) -> list[str]:
        import re

        return [k for k in re.split(r"[,、，\s　]+", self.keywords) if k]


class FaqRevision(models.Model):
    """One row per change: the entry's full content after the change, who, when and why (history + diff)."""

    class Action(models.TextChoices):
        CREATE = "create", "作成"
        EDIT = "edit", "編集"
        SUBMIT = "submit", "審査に提出"
        APPROVE = "approve", "承認"
        RETURN = "return", "差し戻し"
        RETIRE = "retire", "廃止"
        IMPORT = "import", "取込"

    entry = models.ForeignKey(FaqEntry, on_delete=models.CASCADE, related_name="history")
    number = models.PositiveIntegerField("履歴番号")
    action = models.CharField("操作", max_length=10, choices=Action.choices)
    state = models.CharField("状態", max_length=10, choices=FaqEntry.State.choices)
    category = models.CharField("分類", max_length=60)
    question = models.TextField("質問")
    answer = models.TextField("回答")
    keywords = models.CharField("キーワード", max_length=400, blank=True)
    comment = models.CharField("コメント", max_length=400, blank=True, validators=[no_individual_number])
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    by_name = models.CharField("操作者", max_length=150, blank=True)
    at = models.DateTimeField("日時", default=timezone.now)

    class Meta:
        verbose_name = "質疑応答の履歴"
        verbose_name_plural = "質疑応答の履歴"
        ordering = ["entry", "number"]
        constraints = [models.UniqueConstraint(fields=["entry", "number"], name="faq_revision_unique_number")]

    def __str__(self) -> str:
        return f"{self.entry_id}#{self.number} {self.get_action_display()}"


class Synonym(models.Model):
    """A search rule: when a query says `term` (any of its spellings), also look for `expansions`."""

    term = models.CharField("言い方", max_length=60, unique=True, validators=[no_individual_number])
    expansions = models.CharField(
        "探す語",
        max_length=200,
        validators=[no_individual_number],
        help_text="読点・カンマ・空白で区切って複数書けます（例: 健康保険証 利用登録）。",
    )
    note = models.CharField("メモ", max_length=200, blank=True, validators=[no_individual_number])
    updated_at = models.DateTimeField("更新日時", default=timezone.now)

    class Meta:
        verbose_name = "検索の言い換え"
        verbose_name_plural = "検索の言い換え"
        ordering = ["term"]

    def __str__(self) -> str:
        return f"{self.term} → {self.expansions}"

    def expansion_list(self) -> list[str]:
        import re

        return [k for k in re.split(r"[,、，\s　]+", self.expansions) if k]


class SearchIndexState(models.Model):
    """One row: bumped in the same transaction as any change to approved entries or synonyms, so every app
    server sees a new stamp and rebuilds its in-memory index."""

    stamp = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = "検索索引の版"
        default_permissions = ()

    def __str__(self) -> str:
        return f"検索索引 {self.stamp}"


class SearchLog(models.Model):
    """One operator search (search-as-you-type collapses into one row), kept to improve the collection.

    Never holds personal data: a query with an individual number is refused before it is searched or logged,
    phone numbers, e-mail addresses and personal names are replaced by placeholders (faq.privacy)."""

    class Source(models.TextChoices):
        SCREEN = "screen", "FAQ 画面"
        CALL = "call", "通話受付"
        API = "api", "API"

    class Followup(models.TextChoices):
        OPEN = "", "未対応"
        KEYWORD = "keyword", "キーワードに追加"
        SYNONYM = "synonym", "言い換えに追加"
        DRAFT = "draft", "下書きを作成"
        DISMISSED = "dismissed", "対応不要"

    at = models.DateTimeField("日時", default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source = models.CharField("画面", max_length=10, choices=Source.choices, default=Source.SCREEN)
    query = models.CharField("検索語（個人情報を除いたもの）", max_length=200)
    hits = models.PositiveIntegerField("件数", default=0)
    top_entry = models.ForeignKey(
        FaqEntry, verbose_name="1位の項目", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_entry = models.ForeignKey(
        FaqEntry,
        verbose_name="通話に答えた項目",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="answered_searches",
    )
    answered_at = models.DateTimeField("回答に使った日時", null=True, blank=True)
    call_ref = models.PositiveBigIntegerField("通話（calls の通話番号）", null=True, blank=True)
    followup = models.CharField("対応", max_length=10, choices=Followup.choices, blank=True, default="")

    class Meta:
        verbose_name = "FAQ 検索の記録"
        verbose_name_plural = "FAQ 検索の記録"
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["hits", "at"]), models.Index(fields=["user", "at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.query}"

"""Call center desk: calls (hand-entered and CTI share one model), categories, callbacks, phone memos."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Count, Q
from django.utils import timezone

from madoguchi.lib.crypto import EncryptedTextField
from madoguchi.lib.privacy import no_individual_number

LINE_COUNT = 6


class ReportColumn(models.TextChoices):
    """The three columns of the spec's monthly table (予約 / カードに関する問合せ / その他)."""

    RESERVATION = "reservation", "予約"
    CARD_INQUIRY = "card_inquiry", "カードに関する問合せ"
    OTHER = "other", "その他"


class CallCategoryQuerySet(models.QuerySet["CallCategory"]):
    def active(self) -> CallCategoryQuerySet:
        return self.filter(is_active=True)


class CallCategory(models.Model):
    """A sub-category an operator picks (制度全般, 受取予約（新規）, …), mapped to one report column."""

    name = models.CharField("分類名", max_length=50, unique=True, validators=[no_individual_number])
    column = models.CharField("月報の区分", max_length=20, choices=ReportColumn.choices)
    key = models.CharField(
        "選択キー",
        max_length=1,
        blank=True,
        help_text="通話受付画面で分類を選ぶときに押す1文字（数字など）。",
        validators=[no_individual_number],
    )
    sort_order = models.PositiveSmallIntegerField("表示順", default=0)
    is_active = models.BooleanField("使用中", default=True)

    objects = CallCategoryQuerySet.as_manager()

    class Meta:
        verbose_name = "通話分類"
        verbose_name_plural = "通話分類"
        ordering = ["sort_order", "id"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        # One key, one sub-category: the operator's single keystroke must not be ambiguous.
        if self.key and self.is_active:
            clash = CallCategory.objects.active().filter(key=self.key).exclude(pk=self.pk).first()
            if clash is not None:
                raise ValidationError({"key": f"選択キー「{self.key}」は「{clash.name}」で使われています。"})

    @property
    def option_label(self) -> str:
        # The key first, so a focused <select> jumps to it when the key is typed (native type-ahead).
        return f"{self.key} {self.name}" if self.key else self.name


class CallQuerySet(models.QuerySet["Call"]):
    def on_date(self, day: datetime.date) -> CallQuerySet:
        start = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
        return self.filter(started_at__gte=start, started_at__lt=start + datetime.timedelta(days=1))

    def in_month(self, year: int, month: int) -> CallQuerySet:
        start = timezone.make_aware(datetime.datetime(year, month, 1))
        end = timezone.make_aware(datetime.datetime(year + (month == 12), month % 12 + 1, 1))
        return self.filter(started_at__gte=start, started_at__lt=end)

    def incoming(self) -> CallQuerySet:
        return self.filter(direction=Call.Direction.INBOUND)

    def column_counts(self) -> dict[str, int]:
        """The monthly table's columns for these calls: inbound calls answered here, by report column.

        Roll-overs (answered on a city line) and calls not yet classified are counted apart,
        so that total is always the sum of the three columns.
        """
        answered = self.incoming().exclude(status=Call.Status.OVERFLOWED)
        row = answered.aggregate(
            reservation=Count("id", filter=Q(category=ReportColumn.RESERVATION)),
            card_inquiry=Count("id", filter=Q(category=ReportColumn.CARD_INQUIRY)),
            other=Count("id", filter=Q(category=ReportColumn.OTHER)),
            unclassified=Count("id", filter=Q(category="")),
        )
        overflow = self.incoming().filter(status=Call.Status.OVERFLOWED).count()
        result = {key: int(row[key] or 0) for key in ("reservation", "card_inquiry", "other")}
        result["total"] = sum(result.values())
        result["unclassified"] = int(row["unclassified"] or 0)
        result["overflow"] = overflow
        return result


class HangupCause(models.TextChoices):
    ANSWERED = "answered", "応答後に終話"
    BUSY = "busy", "話し中"
    NO_ANSWER = "no_answer", "応答なし"
    CALLER_HUNG_UP = "caller_hung_up", "呼出中に相手が切断"


class Call(models.Model):
    """One phone call on a call center line, entered by hand or created by CTI events."""

    class Source(models.TextChoices):
        MANUAL = "manual", "手入力"
        CTI = "cti", "CTI連携"

    class Direction(models.TextChoices):
        INBOUND = "inbound", "入電"
        OUTBOUND = "outbound", "発信"

    class Status(models.TextChoices):
        RINGING = "ringing", "着信中"
        ACTIVE = "active", "通話中"
        ENDED = "ended", "終了"
        MISSED = "missed", "不応答"
        OVERFLOWED = "overflowed", "他回線へ転送"

    class Outcome(models.TextChoices):
        RESOLVED = "resolved", "解決"
        BOOKED = "booked", "予約受付"
        CALLBACK = "callback", "折り返しが必要"
        HANDED_TO_CITY = "handed_to_city", "市職員へ引継ぎ"

    source = models.CharField("記録元", max_length=10, choices=Source.choices, default=Source.MANUAL)
    cti_call_id = models.CharField("CTI通話ID", max_length=100, null=True, blank=True, unique=True)
    line = models.PositiveSmallIntegerField(
        "回線",
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(LINE_COUNT)],
    )
    direction = models.CharField("方向", max_length=10, choices=Direction.choices, default=Direction.INBOUND)
    status = models.CharField("状態", max_length=12, choices=Status.choices, default=Status.ENDED)
    started_at = models.DateTimeField("開始（着信）", db_index=True)
    answered_at = models.DateTimeField("応答", null=True, blank=True)
    ended_at = models.DateTimeField("終了", null=True, blank=True)
    duration_seconds = models.PositiveIntegerField("通話時間（秒）", null=True, blank=True)
    # Report column, copied from the sub-category when the call is logged: a later remapping
    # of sub-categories does not rewrite months already reported.
    category = models.CharField("区分", max_length=20, choices=ReportColumn.choices, blank=True)
    subcategory = models.ForeignKey(
        CallCategory,
        verbose_name="分類",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="calls",
    )
    note = models.TextField("メモ", blank=True, validators=[no_individual_number])
    outcome = models.CharField("結果", max_length=20, choices=Outcome.choices, blank=True)
    reservation_ref = models.CharField(
        "予約番号", max_length=40, blank=True, validators=[no_individual_number]
    )
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="オペレーター",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The resident's number (from, for an inbound call; to, for an outbound one): personal, so encrypted.
    phone = EncryptedTextField("相手方の電話番号", blank=True)
    phone_hash = models.CharField(max_length=64, blank=True, db_index=True)
    # The city side of the call (the number dialled in, or the extension calling out): not personal.
    our_number = models.CharField("当方の番号", max_length=30, blank=True)
    logged_at = models.DateTimeField("記録日時", null=True, blank=True)
    # CTI: the extension (operator's phone) that answered, and how the call ended.
    extension = models.CharField("応答した内線", max_length=20, blank=True)
    hangup_cause = models.CharField("終話の理由", max_length=20, choices=HangupCause.choices, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CallQuerySet.as_manager()

    class Meta:
        verbose_name = "通話"
        verbose_name_plural = "通話"
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["status", "started_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(line__isnull=True) | Q(line__gte=1, line__lte=LINE_COUNT),
                name="call_line_in_range",
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=models.F("started_at")),
                name="call_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"通話 {self.pk}（{timezone.localtime(self.started_at):%m/%d %H:%M}）"

    def compute_duration(self) -> None:
        """Talk time: from answer (or start, for hand-entered calls) to end."""
        begin = self.answered_at or (self.started_at if self.source == self.Source.MANUAL else None)
        if begin and self.ended_at and self.ended_at >= begin:
            self.duration_seconds = int((self.ended_at - begin).total_seconds())
        else:
            self.duration_seconds = None

    @property
    def duration_label(self) -> str:
        if self.duration_seconds is None:
            return ""
        minutes, seconds = divmod(self.duration_seconds, 60)
        return f"{minutes}分{seconds:02d}秒"

    @property
    def is_logged(self) -> bool:
        return self.logged_at is not None

    def clean(self) -> None:
        if self.ended_at and self.started_at and self.ended_at < self.started_at:
            raise ValidationError({"ended_at": "終了時刻が開始時刻より前になっています。"})
        if self.subcategory is not None and self.category and self.subcategory.column != self.category:
            raise ValidationError({"subcategory": "分類と区分が一致しません。"})


class CtiEvent(models.Model):
    """Every CTI event received, once per (call, event kind): repeats are ignored, order does not matter."""

    class Kind(models.TextChoices):
        NEW_CALL = "newCall", "着信"
        ANSWER = "answer", "応答"
        HANGUP = "hangup", "終話"
        OVERFLOW = "overflow", "他回線へ転送"

    call_id = models.CharField("CTI通話ID", max_length=100, db_index=True)
    kind = models.CharField("種類", max_length=10, choices=Kind.choices)
    at = models.DateTimeField("発生時刻")
    line = models.PositiveSmallIntegerField("回線", null=True, blank=True)
    direction = models.CharField("方向", max_length=10, blank=True)
    extension = models.CharField("内線", max_length=20, blank=True)
    cause = models.CharField("終話の理由", max_length=20, blank=True)
    received_at = models.DateTimeField("受信時刻", default=timezone.now)

    class Meta:
        verbose_name = "CTIイベント"
        verbose_name_plural = "CTIイベント"
        ordering = ["at", "id"]
        constraints = [models.UniqueConstraint(fields=["call_id", "kind"], name="cti_event_once_per_kind")]

    def __str__(self) -> str:
        return f"{self.call_id} {self.kind}"


class OperatorSeat(models.Model):
    """An operator signed in to an extension: CTI calls answered there pop up on that operator's screen only."""

    extension = models.CharField("内線", max_length=20, unique=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name="オペレーター", on_delete=models.CASCADE, related_name="+"
    )
    since = models.DateTimeField("サインイン", default=timezone.now)

    class Meta:
        verbose_name = "内線のサインイン"
        verbose_name_plural = "内線のサインイン"

    def __str__(self) -> str:
        return f"内線{self.extension}"


class CallbackQuerySet(models.QuerySet["Callback"]):
    def open(self) -> CallbackQuerySet:
        return self.filter(status=Callback.Status.OPEN)

    def overdue(self, now: datetime.datetime | None = None) -> CallbackQuerySet:
        return self.open().filter(due_at__lt=now or timezone.now())

    def queue(self) -> CallbackQuerySet:
        return (
            self.open()
            .select_related("owner")
            .annotate(attempt_count=Count("attempts"))
            .order_by("due_at", "id")
        )


class Callback(models.Model):
    """A resident to call back (折り返し): after a roll-over to a city line, or an unresolved question."""

    class Source(models.TextChoices):
        OVERFLOW = "overflow", "他回線への転送（あふれ呼）"
        UNRESOLVED = "unresolved", "その場で回答できなかった問合せ"
        OTHER = "other", "その他"

    class Status(models.TextChoices):
        OPEN = "open", "未完了"
        CLOSED = "closed", "完了"

    class Outcome(models.TextChoices):
        RESOLVED = "resolved", "連絡がつき対応完了"
        UNREACHABLE = "unreachable", "連絡がつかず終了"
        NOT_NEEDED = "not_needed", "不要（本人から再入電・重複など）"

    call = models.ForeignKey(
        Call,
        verbose_name="元の通話",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="callbacks",
    )
    source = models.CharField("発生元", max_length=12, choices=Source.choices, default=Source.UNRESOLVED)
    # Blank only for a roll-over from a withheld number: it stays in the queue until someone closes it.
    phone = EncryptedTextField("電話番号", blank=True)
    phone_hash = models.CharField(max_length=64, blank=True, db_index=True)
    name = EncryptedTextField("お名前", blank=True)
    reason = models.TextField("用件", validators=[no_individual_number])
    due_at = models.DateTimeField("期限", db_index=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="担当者",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField("状態", max_length=10, choices=Status.choices, default=Status.OPEN)
    outcome = models.CharField("結果", max_length=12, choices=Outcome.choices, blank=True)
    closing_note = models.TextField("完了時のメモ", blank=True, validators=[no_individual_number])
    closed_at = models.DateTimeField("完了日時", null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="完了者",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("登録日時", default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登録者",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = CallbackQuerySet.as_manager()

    class Meta:
        verbose_name = "折り返し"
        verbose_name_plural = "折り返し"
        ordering = ["due_at", "id"]
        constraints = [
            # Nothing leaves the queue without an outcome.
            models.CheckConstraint(
                condition=Q(status="open", outcome="") | (Q(status="closed") & ~Q(outcome="")),
                name="callback_closed_has_outcome",
            ),
        ]

    def __str__(self) -> str:
        return f"折り返し {self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    def is_overdue(self, now: datetime.datetime | None = None) -> bool:
        return self.is_open and self.due_at < (now or timezone.now())


class CallbackAttempt(models.Model):
    """One try at calling back, with what happened."""

    class Outcome(models.TextChoices):
        REACHED = "reached", "連絡がついた"
        NO_ANSWER = "no_answer", "応答なし"
        BUSY = "busy", "話し中"
        VOICEMAIL = "voicemail", "留守番電話に伝言"
        WRONG_NUMBER = "wrong_number", "番号違い・不通"

    callback = models.ForeignKey(Callback, on_delete=models.CASCADE, related_name="attempts")
    at = models.DateTimeField("日時", default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="担当者", on_delete=models.PROTECT, related_name="+"
    )
    outcome = models.CharField("結果", max_length=15, choices=Outcome.choices)
    note = models.TextField("メモ", blank=True, validators=[no_individual_number])

    class Meta:
        verbose_name = "折り返しの架電"
        verbose_name_plural = "折り返しの架電"
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.callback_id} {self.outcome}"


class PhoneMemoQuerySet(models.QuerySet["PhoneMemo"]):
    def pending(self) -> PhoneMemoQuerySet:
        return self.exclude(status=PhoneMemo.Status.DONE)


class PhoneMemo(models.Model):
    """An office phone message (外線・内線) for a city staff member or section, until it is done."""

    class Kind(models.TextChoices):
        OUTSIDE = "outside", "外線"
        INTERNAL = "internal", "内線"

    class Status(models.TextChoices):
        OPEN = "open", "未引継ぎ"
        HANDED_OVER = "handed_over", "引継ぎ済み"
        DONE = "done", "対応完了"

    kind = models.CharField("種別", max_length=10, choices=Kind.choices, default=Kind.OUTSIDE)
    received_at = models.DateTimeField("受電日時", default=timezone.now)
    for_whom = models.CharField("宛先（職員名・担当）", max_length=100, validators=[no_individual_number])
    caller_name = EncryptedTextField("相手のお名前・所属", blank=True)
    caller_phone = EncryptedTextField("相手の電話番号", blank=True)
    message = models.TextField("用件", validators=[no_individual_number])
    status = models.CharField("状態", max_length=12, choices=Status.choices, default=Status.OPEN)
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="受電者", on_delete=models.PROTECT, related_name="+"
    )
    handed_to = models.CharField("引継ぎ先", max_length=100, blank=True, validators=[no_individual_number])
    handed_over_at = models.DateTimeField("引継ぎ日時", null=True, blank=True)
    handed_over_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="引継ぎ者",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    done_at = models.DateTimeField("完了日時", null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="完了者",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = PhoneMemoQuerySet.as_manager()

    class Meta:
        verbose_name = "電話メモ"
        verbose_name_plural = "電話メモ"
        ordering = ["-received_at", "-id"]

    def __str__(self) -> str:
        return f"電話メモ {self.pk}"


def column_label(value: str) -> str:
    return dict(ReportColumn.choices).get(value, "未分類")


class CallCorrection(models.Model):
    """A correction of a call's report column after the fact (月次締め): who, when, from what, to what, why."""

    call = models.ForeignKey(Call, verbose_name="通話", on_delete=models.PROTECT, related_name="corrections")
    at = models.DateTimeField("訂正日時", default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="訂正者", on_delete=models.PROTECT, related_name="+"
    )
    from_category = models.CharField("訂正前の区分", max_length=20, choices=ReportColumn.choices, blank=True)
    to_category = models.CharField("訂正後の区分", max_length=20, choices=ReportColumn.choices)
    from_subcategory = models.ForeignKey(
        CallCategory,
        verbose_name="訂正前の分類",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    to_subcategory = models.ForeignKey(
        CallCategory, verbose_name="訂正後の分類", on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField("訂正の理由", validators=[no_individual_number])

    class Meta:
        verbose_name = "通話区分の訂正"
        verbose_name_plural = "通話区分の訂正"
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"通話 {self.call_id} の区分訂正"

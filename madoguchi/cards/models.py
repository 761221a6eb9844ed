"""Cards: one row per application, from arrival to post-issuance (or return/destruction).

A card's `state` is changed only by `cards.services.card_transition` (and the undo in the same module),
which writes a `CardEvent` per change. Personal fields are encrypted; exact lookups go through the
keyed-hash columns (`notice_birth_hash`, `kana_birth_hash`), never by decrypting every row.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from madoguchi.calendar.models import Office
from madoguchi.lib.crypto import EncryptedDateField, EncryptedTextField, lookup_hash
from madoguchi.lib.privacy import no_individual_number
from madoguchi.lib.text import normalize_address, normalize_kana, normalize_key

application_id_validator = RegexValidator(r"^[0-9]{23}$", "申請書IDは23桁の数字で入力してください。")


class StorageLocation(models.Model):
    """Where a set-up card and its papers wait: cabinet / box / slot (e.g. A-03-12)."""

    cabinet = models.CharField("キャビネット", max_length=20, validators=[no_individual_number])
    box = models.CharField("ボックス", max_length=20, validators=[no_individual_number])
    slot = models.CharField("スロット", max_length=20, blank=True, validators=[no_individual_number])
    code = models.CharField("収納場所コード", max_length=70, unique=True, editable=False)
    capacity = models.PositiveIntegerField("収納可能枚数", default=100)
    note = models.CharField("備考", max_length=200, blank=True, validators=[no_individual_number])
    is_active = models.BooleanField("使用中", default=True)

    class Meta:
        verbose_name = "収納場所"
        verbose_name_plural = "収納場所"
        ordering = ["code"]
        permissions = [("manage_storage", "収納場所を管理できる")]

    def __str__(self) -> str:
        return self.code

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.code = self.make_code(self.cabinet, self.box, self.slot)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"cabinet", "box", "slot"} & set(update_fields):
            kwargs["update_fields"] = set(update_fields) | {"code"}
        super().save(*args, **kwargs)

    @staticmethod
    def make_code(cabinet: str, box: str, slot: str = "") -> str:
        parts = [normalize_key(p) for p in (cabinet, box, slot) if p and normalize_key(p)]
        return "-".join(parts)


class CardQuerySet(models.QuerySet["Card"]):
    def in_states(self, *states: str) -> CardQuerySet:
        return self.filter(state__in=states)

    def bookable(self) -> CardQuerySet:
        return self.filter(state__in=Card.BOOKABLE_STATES)

    def open(self) -> CardQuerySet:
        """Not yet at an end (issued and later, or returned/destroyed)."""
        return self.exclude(state__in=Card.CLOSED_STATES)

    def past_holding(self, today: datetime.date) -> CardQuerySet:
        return self.filter(holding_deadline__lt=today).filter(state__in=Card.WAITING_STATES)

    def nearing_holding(self, today: datetime.date, days: int = 14) -> CardQuerySet:
        return self.filter(
            holding_deadline__gte=today,
            holding_deadline__lte=today + datetime.timedelta(days=days),
            state__in=Card.WAITING_STATES,
        )

    def by_storage(self) -> CardQuerySet:
        return self.order_by(models.F("storage_location__code").asc(nulls_last=True), "notice_number")

    def search_notice(self, notice_number: str) -> CardQuerySet:
        return self.filter(notice_number=normalize_key(notice_number))


class Card(models.Model):
    """A My Number Card (or specified residence card) waiting for, or past, issuance."""

    class Kind(models.TextChoices):
        NEW = "new", "新規"
        RENEWAL = "renewal", "更新"
        REISSUE = "reissue", "再交付"
        DETAILS_CHANGE = "details_change", "券面記載事項変更"
        EXPRESS = "express", "特急発行"
        MOVING_ABROAD = "moving_abroad", "国外転出者向け"
        SPECIFIED_RESIDENCE = "specified_residence", "特定在留カード"

    class Method(models.TextChoices):
        COLLECT_AT_COUNTER = "collect_at_counter", "交付時来庁方式"
        APPLY_AT_COUNTER = "apply_at_counter", "申請時来庁方式"

    class State(models.TextChoices):
        RECEIVED = "received", "到着"
        SET_UP = "set_up", "交付前設定済"
        FILED = "filed", "収納済"
        NOTICE_MAILED = "notice_mailed", "通知書発送済"
        PREPARED = "prepared", "当日準備済"
        SHIPPED = "shipped", "支所へ送付中"
        RECEIVED_AT_BRANCH = "received_at_branch", "支所で受領"
        ISSUED = "issued", "交付済"
        POST_PROCESSED = "post_processed", "交付後処理済"
        ON_HOLD = "on_hold", "保留"
        NOTICE_RETURNED = "notice_returned", "通知書返戻"
        REMINDER_SENT = "reminder_sent", "再通知済"
        UNCLAIMED = "unclaimed", "保管期限切れ（未受領）"
        RETURNED = "returned", "返納（J-LIS）"
        DESTROYED = "destroyed", "廃棄"

    # Booking for pickup: the card is set up (works) and waits somewhere for its holder. Not on hold
    # (a problem is open), not yet received (setup may still fail), not issued or disposed of.
    BOOKABLE_STATES = (
        State.SET_UP,
        State.FILED,
        State.NOTICE_MAILED,
        State.PREPARED,
        State.SHIPPED,
        State.RECEIVED_AT_BRANCH,
        State.NOTICE_RETURNED,
        State.REMINDER_SENT,
    )
    # Waiting for the resident: the holding period runs.
    WAITING_STATES = (
        State.NOTICE_MAILED,
        State.NOTICE_RETURNED,
        State.REMINDER_SENT,
        State.PREPARED,
        State.SHIPPED,
        State.RECEIVED_AT_BRANCH,
    )
    CLOSED_STATES = (
        State.ISSUED,
        State.POST_PROCESSED,
        State.RETURNED,
        State.DESTROYED,
    )

    notice_number = models.CharField("交付通知書番号", max_length=20, unique=True)
    application_id = models.CharField(
        "申請書ID", max_length=23, unique=True, validators=[application_id_validator]
    )
    kind = models.CharField("種別", max_length=24, choices=Kind.choices, default=Kind.NEW)
    method = models.CharField(
        "申請方式", max_length=24, choices=Method.choices, default=Method.COLLECT_AT_COUNTER
    )
    applicant_name = EncryptedTextField("氏名", validators=[no_individual_number])
    applicant_kana = EncryptedTextField("氏名（カナ）", validators=[no_individual_number])
    address = EncryptedTextField("住所", blank=True, validators=[no_individual_number])
    phone = EncryptedTextField("電話番号", blank=True, validators=[no_individual_number])
    birth_date = EncryptedDateField("生年月日")
    notice_birth_hash = models.CharField(max_length=64, db_index=True, editable=False)
    kana_birth_hash = models.CharField(max_length=64, db_index=True, editable=False)
    # Family members on the phone: same address and a given birth date, found without decrypting a window of cards.
    address_birth_hash = models.CharField(max_length=64, db_index=True, editable=False, default="")
    pickup_office = models.ForeignKey(
        "calendar.Office", verbose_name="受取庁舎", on_delete=models.PROTECT, related_name="cards"
    )
    storage_location = models.ForeignKey(
        StorageLocation,
        verbose_name="収納場所",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cards",
    )
    myna_assist = models.BooleanField("マイナ・アシスト", default=False)
    # 要外字確認: the name or address has a character the print font lacks, a private-use 外字 or 〓.
    # The reason names code points only; empty means nothing to check.
    gaiji_note = models.CharField("要外字確認", max_length=200, blank=True, default="")
    holding_deadline = models.DateField("保管期限", null=True, blank=True, db_index=True)
    state = models.CharField(
        "状態", max_length=24, choices=State.choices, default=State.RECEIVED, db_index=True
    )
    issued_on = models.DateField("交付日", null=True, blank=True)
    import_batch = models.ForeignKey(
        "ImportBatch", null=True, blank=True, on_delete=models.SET_NULL, related_name="cards"
    )
    arrived_on = models.DateField("到着日")
    created_at = models.DateTimeField("登録日時", auto_now_add=True)
    updated_at = models.DateTimeField("更新日時", auto_now=True)

    objects = CardQuerySet.as_manager()

    class Meta:
        verbose_name = "カード"
        verbose_name_plural = "カード"
        ordering = ["notice_number"]
        indexes = [models.Index(fields=["pickup_office", "state"], name="card_office_state")]
        constraints = [
            models.CheckConstraint(condition=~Q(notice_number=""), name="card_notice_number_not_empty"),
        ]
        permissions = [
            ("transition_card", "カードの状態を変更できる（スキャン・処理）"),
            ("import_cards", "到着カード一覧を取り込める"),
            ("export_cards", "交付済カードを出力できる"),
            ("print_cards", "帳票（チェックシート等）を印刷できる"),
            ("view_queue", "作業キュー（件数・見込み時間）を見られる"),
        ]

    def __str__(self) -> str:
        return self.notice_number

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.refresh_hashes()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            touched = set(update_fields)
            if touched & {"notice_number", "applicant_kana", "birth_date", "address"}:
                kwargs["update_fields"] = touched | {
                    "notice_number",
                    "notice_birth_hash",
                    "kana_birth_hash",
                    "address_birth_hash",
                }
        super().save(*args, **kwargs)

    # -- one-row logic -------------------------------------------------------------------------

    def refresh_hashes(self) -> None:
        """Normalise the notice number and recompute the lookup hashes from the plaintext fields."""
        self.notice_number = normalize_key(self.notice_number or "")
        self.notice_birth_hash = lookup_hash(self.notice_number, self.birth_date)
        self.kana_birth_hash = lookup_hash(normalize_kana(self.applicant_kana or ""), self.birth_date)
        self.address_birth_hash = self.family_hash(self.address, self.birth_date) if self.address else ""

    @staticmethod
    def family_hash(address: str, birth_date: datetime.date | str) -> str:
        """The keyed hash of (normalised address, birth date): `address_birth_hash` of a card with these values."""
        return lookup_hash(normalize_address(address), birth_date)

    @property
    def can_be_booked(self) -> bool:
        """A pickup may be booked: set up, not on hold, not issued, not unclaimed/returned/destroyed."""
        return self.state in self.BOOKABLE_STATES

    @property
    def is_issuable(self) -> bool:
        """May be handed over now: pulled for the day at the pickup office (or received at the branch)."""
        if self.state == self.State.RECEIVED_AT_BRANCH:
            return True
        return self.state == self.State.PREPARED and not self.needs_shipping

    @property
    def needs_shipping(self) -> bool:
        return self.pickup_office.kind != Office.Kind.MAIN

    @property
    def is_past_holding(self) -> bool:
        return (
            self.holding_deadline is not None
            and self.state in self.WAITING_STATES
            and self.holding_deadline < timezone.localdate()
        )


class CardEvent(models.Model):
    """One state change of one card: who, when, from, to, where, why."""

    card = models.ForeignKey(Card, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField("日時", db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="担当者",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="card_events",
    )
    from_state = models.CharField("変更前", max_length=24, choices=Card.State.choices, blank=True)
    to_state = models.CharField("変更後", max_length=24, choices=Card.State.choices)
    office = models.ForeignKey(
        "calendar.Office",
        verbose_name="庁舎",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="card_events",
    )
    note = models.CharField("備考", max_length=300, blank=True, validators=[no_individual_number])
    # Filing may move the card: where it was before, so an undo puts it back (None: it had no place).
    location_changed = models.BooleanField("収納場所の変更", default=False)
    location_before = models.ForeignKey(
        "StorageLocation",
        verbose_name="変更前の収納場所",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # An undo is itself an event that points at the event it reverses; the undone event is marked.
    undoes = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="undone_by"
    )

    class Meta:
        verbose_name = "カード履歴"
        verbose_name_plural = "カード履歴"
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["card", "at"], name="cardevent_card_at")]

    def __str__(self) -> str:
        return f"{self.card_id}: {self.from_state} → {self.to_state}"


class ImportBatch(models.Model):
    """One upload of the arrival list. Rows are parsed at upload, validated in chunks (progress bar),
    then created in one transaction; the parsed rows (personal data) are kept encrypted and cleared after."""

    class Status(models.TextChoices):
        PREVIEW = "preview", "確認待ち（プレビュー）"
        VALIDATING = "validating", "取込中"
        FAILED = "failed", "エラーあり（取込なし）"
        DONE = "done", "取込完了"
        EXPIRED = "expired", "中断（内容を削除済み）"

    # A file (by its SHA-256) is imported once: while one batch of it runs (enforced by the database) or after
    # it was imported (checked first), another upload of the same file is refused with a pointer to that batch.
    ACTIVE_STATUSES = (Status.VALIDATING, Status.DONE)

    file_name = models.CharField("ファイル名", max_length=200)
    sha256 = models.CharField(max_length=64, db_index=True)
    encoding = models.CharField("文字コード", max_length=20, blank=True)
    status = models.CharField("状態", max_length=20, choices=Status.choices, default=Status.VALIDATING)
    row_count = models.PositiveIntegerField("行数", default=0)
    validated = models.PositiveIntegerField("検証済み行数", default=0)
    created_count = models.PositiveIntegerField("新規登録", default=0)
    existing_count = models.PositiveIntegerField("登録済み（スキップ）", default=0)
    errors = models.JSONField("エラー", default=list, blank=True)
    # What was recognised (file type, encoding, separator, sheet, skipped title/totals rows): no cell values.
    notes = models.JSONField("読み取りの記録", default=list, blank=True)
    sheet = models.CharField("シート", max_length=100, blank=True)
    correction_count = models.PositiveIntegerField("訂正の確認待ち", default=0)
    # The column mapping used (file heading → our column, "" = not imported), from the profile chosen or
    # detected at upload and adjusted on the preview; {} = the file uses our own column names.
    profile = models.ForeignKey(
        "ImportProfile",
        verbose_name="取込設定",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    mapping = models.JSONField("列の対応", default=dict, blank=True)
    # The uploaded file itself (base64, encrypted) until the import ends; cleared on every ending.
    payload = EncryptedTextField(blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("取込日時", auto_now_add=True)
    finished_at = models.DateTimeField("完了日時", null=True, blank=True)

    class Meta:
        verbose_name = "到着カード取込"
        verbose_name_plural = "到着カード取込"
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["sha256"],
                condition=Q(status="validating"),
                name="importbatch_one_active_per_file",
            )
        ]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"

    @property
    def percent(self) -> int:
        if self.status != self.Status.VALIDATING:
            return 100
        return int(100 * self.validated / self.row_count) if self.row_count else 0


class ImportProfile(models.Model):
    """A saved column mapping for one source of arrival lists (J-LIS, the city's own export, another vendor):
    {heading in their file: our column name, or "" to leave the column out}. Chosen at upload or detected
    from the headings; headings are compared without spaces, full/half width folded (NFKC)."""

    name = models.CharField("取込設定の名前", max_length=100, unique=True, validators=[no_individual_number])
    description = models.CharField("説明", max_length=300, blank=True, validators=[no_individual_number])
    mapping = models.JSONField("列の対応", default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField("更新日時", auto_now=True)

    class Meta:
        verbose_name = "取込設定"
        verbose_name_plural = "取込設定"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Stocktake(models.Model):
    """One stocktake (棚卸) of a cabinet or box: what should have been there against what was scanned.
    Notice numbers only (no personal fields); kept as the record of the count."""

    place = models.CharField("収納場所", max_length=40)
    at = models.DateTimeField("日時", default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="担当者", null=True, on_delete=models.PROTECT, related_name="+"
    )
    expected_count = models.PositiveIntegerField("あるはずの枚数", default=0)
    scanned_count = models.PositiveIntegerField("スキャンした枚数", default=0)
    found = models.JSONField("一致", default=list)  # notice numbers
    missing = models.JSONField("不足", default=list)  # [{"notice": …, "place": …, "state": …}]
    wrong_place = models.JSONField(
        "別の場所のカード", default=list
    )  # [{"notice": …, "place": …, "state": …}]
    unknown = models.JSONField("該当なしの番号", default=list)
    repeated = models.JSONField("二重スキャン", default=list)

    class Meta:
        verbose_name = "棚卸"
        verbose_name_plural = "棚卸"
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"棚卸 {self.place}（{self.at:%Y-%m-%d %H:%M}）"

    @property
    def ok(self) -> bool:
        return not (self.missing or self.wrong_place or self.unknown)


class CardCorrection(models.Model):
    """A re-sent arrival row whose name, kana, birth date or address differs from the registered card.

    Never applied silently: a clerk confirms (applied, audited, the card's event history notes it) or
    rejects. The new values are encrypted like the card's own."""

    class Status(models.TextChoices):
        PENDING = "pending", "確認待ち"
        APPLIED = "applied", "訂正済み"
        REJECTED = "rejected", "訂正しない"

    card = models.ForeignKey(Card, on_delete=models.CASCADE, related_name="corrections")
    # A re-sent arrival row (batch and row), or a correction made on the card page (no batch, a reason).
    batch = models.ForeignKey(
        ImportBatch, null=True, blank=True, on_delete=models.CASCADE, related_name="corrections"
    )
    row = models.PositiveIntegerField("行", default=0)
    reason = models.CharField("訂正の理由", max_length=200, blank=True, validators=[no_individual_number])
    created_at = models.DateTimeField("記録日時", default=timezone.now)
    changed = models.JSONField("訂正する項目", default=list)  # field names only
    applicant_name = EncryptedTextField("氏名", blank=True)
    applicant_kana = EncryptedTextField("氏名（カナ）", blank=True)
    birth_date = EncryptedDateField("生年月日", null=True, blank=True)
    address = EncryptedTextField("住所", blank=True)
    phone = EncryptedTextField("電話番号", blank=True, default="")
    status = models.CharField("状態", max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField("確認日時", null=True, blank=True)

    class Meta:
        verbose_name = "再送一覧の訂正"
        verbose_name_plural = "再送一覧の訂正"
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        if self.batch_id is None:
            return f"訂正 {self.card_id}（カード画面）"
        return f"訂正 {self.card_id}（取込No.{self.batch_id} {self.row}行目）"


class Shipment(models.Model):
    """A box of prepared cards sent from the main office to one branch office."""

    class Status(models.TextChoices):
        OPEN = "open", "作成中"
        SHIPPED = "shipped", "送付済"
        RECEIVED = "received", "受領済"
        MISMATCH = "mismatch", "受領済（不一致あり）"

    to_office = models.ForeignKey(
        "calendar.Office", verbose_name="送付先", on_delete=models.PROTECT, related_name="shipments"
    )
    for_date = models.DateField("交付予定日", null=True, blank=True)
    status = models.CharField("状態", max_length=20, choices=Status.choices, default=Status.OPEN)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("作成日時", auto_now_add=True)
    shipped_at = models.DateTimeField("送付日時", null=True, blank=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    received_at = models.DateTimeField("受領日時", null=True, blank=True)
    # Notice numbers scanned at the branch that were not in this shipment (not personal data).
    unexpected_numbers = models.JSONField("想定外のカード", default=list, blank=True)
    note = models.CharField("備考", max_length=300, blank=True, validators=[no_individual_number])

    class Meta:
        verbose_name = "支所送付"
        verbose_name_plural = "支所送付"
        ordering = ["-created_at"]
        permissions = [("receive_shipment", "支所で送付カードを受領できる")]

    def __str__(self) -> str:
        return f"送付 No.{self.pk} → {self.to_office}"


class ShipmentItem(models.Model):
    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="items")
    card = models.ForeignKey(Card, on_delete=models.PROTECT, related_name="shipment_items")
    received_at = models.DateTimeField("受領日時", null=True, blank=True)

    class Meta:
        verbose_name = "送付カード"
        verbose_name_plural = "送付カード"
        constraints = [models.UniqueConstraint(fields=["shipment", "card"], name="shipment_card_once")]

    def __str__(self) -> str:
        return f"{self.shipment_id}: {self.card_id}"


class MynaAssistRecord(models.Model):
    """マイナ・アシスト: an assisted application; who applied and when it was received."""

    applicant_name = EncryptedTextField("申請者氏名", validators=[no_individual_number])
    name_hash = models.CharField(max_length=64, db_index=True, editable=False)
    received_on = models.DateField("受付日", db_index=True)
    office = models.ForeignKey(
        "calendar.Office", verbose_name="受付場所", null=True, blank=True, on_delete=models.PROTECT
    )
    card = models.ForeignKey(
        Card, verbose_name="カード", null=True, blank=True, on_delete=models.SET_NULL, related_name="assists"
    )
    note = models.CharField("備考", max_length=300, blank=True, validators=[no_individual_number])
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("登録日時", auto_now_add=True)

    class Meta:
        verbose_name = "マイナ・アシスト記録"
        verbose_name_plural = "マイナ・アシスト記録"
        ordering = ["-received_on", "-pk"]
        permissions = [("export_mynaassistrecord", "マイナ・アシスト記録を出力できる")]

    def __str__(self) -> str:
        return f"マイナ・アシスト {self.received_on}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.name_hash = self.hash_name(self.applicant_name)
        super().save(*args, **kwargs)

    @staticmethod
    def hash_name(name: str) -> str:
        return lookup_hash("assist", normalize_kana(name or ""))


class PostIssuance(models.Model):
    """Post-issuance check of one issued card: notice number confirmed by scan, papers sorted."""

    card = models.OneToOneField(Card, on_delete=models.CASCADE, related_name="post_issuance")
    notice_confirmed = models.BooleanField("通知書番号の照合", default=False)
    id_sheet_filed = models.BooleanField("本人確認書類チェックシートを綴った", default=False)
    notice_filed = models.BooleanField("交付通知書（照会書）を綴った", default=False)
    old_card_collected = models.BooleanField("旧カード・通知カードの回収（該当時）", default=False)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    done_at = models.DateTimeField("処理日時")
    exported_at = models.DateTimeField("カード管理システム用出力日時", null=True, blank=True)

    class Meta:
        verbose_name = "交付後処理"
        verbose_name_plural = "交付後処理"

    def __str__(self) -> str:
        return f"交付後処理 {self.card_id}"

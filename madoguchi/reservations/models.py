"""Pickup reservations (受取予約): slots generated from the service calendar, and bookings of cards into them.

One booking engine (services.py) serves the operator on the phone, the resident on the web, the counter
and the API. Capacity is counted in people (one card = one person). A slot's `booked` counter is changed
only inside the transaction that locks the slot row, together with the reservation rows, so the two never
disagree; the conditional UPDATE (`booked + n <= capacity`) makes overbooking impossible even without the lock.
"""

from __future__ import annotations

import datetime
import secrets
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from madoguchi.lib.crypto import EncryptedDateField, EncryptedTextField
from madoguchi.lib.privacy import no_individual_number

# Unambiguous letters and digits (no 0/O, 1/I/L) so a code read out on the phone is heard right.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 6


def new_reference_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def format_code(code: str) -> str:
    """ABC123 → ABC-123, easier to read back."""
    return f"{code[:3]}-{code[3:]}" if len(code) == CODE_LENGTH else code


class OfficeSlotSettings(models.Model):
    """Per-office slot length and capacity (windows × visitors per window per slot)."""

    office = models.OneToOneField(
        "calendar.Office", verbose_name="庁舎", on_delete=models.CASCADE, related_name="slot_settings"
    )
    slot_minutes = models.PositiveSmallIntegerField("1枠の長さ（分）", default=30)
    windows = models.PositiveSmallIntegerField("交付窓口数", default=2)
    people_per_window = models.PositiveSmallIntegerField("1窓口・1枠あたりの人数", default=2)
    updated_at = models.DateTimeField("更新日時", auto_now=True)

    class Meta:
        verbose_name = "予約枠の設定"
        verbose_name_plural = "予約枠の設定"
        constraints = [
            models.CheckConstraint(
                condition=Q(slot_minutes__gte=5) & Q(slot_minutes__lte=240),
                name="slot_settings_minutes_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.office}: {self.slot_minutes}分 × {self.capacity}人"

    @property
    def capacity(self) -> int:
        return self.windows * self.people_per_window


class CapacityOverride(models.Model):
    """A site manager's capacity for one day (start empty) or one slot of one office. 0 closes it."""

    office = models.ForeignKey(
        "calendar.Office", verbose_name="庁舎", on_delete=models.CASCADE, related_name="capacity_overrides"
    )
    date = models.DateField("日付")
    start = models.TimeField("開始時刻（空欄は終日）", null=True, blank=True)
    capacity = models.PositiveSmallIntegerField("定員（人）")
    reason = models.CharField("理由", max_length=200, blank=True, validators=[no_individual_number])
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("登録日時", auto_now_add=True)

    class Meta:
        verbose_name = "定員の個別設定"
        verbose_name_plural = "定員の個別設定"
        ordering = ["date", "office", F("start").asc(nulls_first=True)]
        constraints = [
            models.UniqueConstraint(fields=["office", "date", "start"], name="capacity_override_unique_slot"),
            models.UniqueConstraint(
                fields=["office", "date"],
                condition=Q(start__isnull=True),
                name="capacity_override_unique_day",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.office} {self.date} {self.start or '終日'}: {self.capacity}"


class AppointmentTypeQuerySet(models.QuerySet["AppointmentType"]):
    def active(self) -> AppointmentTypeQuerySet:
        return self.filter(is_active=True)

    def serving(self, office: Any) -> AppointmentTypeQuerySet:
        """Types this office serves (a type with no offices listed is served by every office)."""
        return self.active().filter(Q(offices=office) | Q(offices__isnull=True)).distinct()


class AppointmentType(models.Model):
    """What a resident comes for: every type books places in the same slots (one engine, one capacity).

    A slot's capacity is its windows × people per window; an appointment takes `party size` places in each of
    `duration_slots` consecutive slots, so a renewal and a pickup can never both take the same window and time.
    """

    PICKUP = "pickup"

    class Identification(models.TextChoices):
        NOTICE_BIRTH = "notice_birth", "交付通知書番号＋生年月日（カードと照合）"
        NAME_BIRTH_PHONE = "name_birth_phone", "氏名＋生年月日＋電話番号"
        EXPIRY_NOTICE = "expiry_notice", "有効期限通知書の番号＋生年月日、または氏名＋生年月日＋電話番号"

    code = models.SlugField("コード", max_length=40, unique=True)
    name = models.CharField("名称", max_length=100, validators=[no_individual_number])
    description = models.CharField("説明", max_length=300, blank=True, validators=[no_individual_number])
    duration_slots = models.PositiveSmallIntegerField(
        "所要時間（枠数）", default=1, help_text="1枠の長さ（庁舎の設定）の何枠分か"
    )
    offices = models.ManyToManyField(
        "calendar.Office",
        verbose_name="受け付ける庁舎",
        blank=True,
        related_name="appointment_types",
        help_text="空欄はすべての庁舎",
    )
    bring_items = models.TextField(
        "持ち物",
        blank=True,
        help_text="1行に1つ。予約画面と確認メールに表示します",
        validators=[no_individual_number],
    )
    identification = models.CharField(
        "本人確認の方法",
        max_length=20,
        choices=Identification.choices,
        default=Identification.NAME_BIRTH_PHONE,
    )
    web_bookable = models.BooleanField("住民がWebで予約できる", default=True)
    max_people = models.PositiveSmallIntegerField("1件で予約できる人数（上限）", default=1)
    min_days_ahead = models.PositiveSmallIntegerField("Web予約: 何日後から", default=1)
    max_days_ahead = models.PositiveSmallIntegerField("予約: 何日後まで", default=31)
    is_active = models.BooleanField("受付中", default=True)
    sort_order = models.PositiveSmallIntegerField("表示順", default=0)
    updated_at = models.DateTimeField("更新日時", auto_now=True)

    objects = AppointmentTypeQuerySet.as_manager()

    class Meta:
        verbose_name = "予約の種類"
        verbose_name_plural = "予約の種類"
        ordering = ["sort_order", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_slots__gte=1) & Q(duration_slots__lte=16),
                name="appointment_type_duration",
            ),
            models.CheckConstraint(
                condition=Q(max_people__gte=1) & Q(max_people__lte=20), name="appointment_type_people"
            ),
            models.CheckConstraint(
                condition=Q(max_days_ahead__gte=F("min_days_ahead")), name="appointment_type_window"
            ),
        ]
        permissions = [("manage_appointment_types", "予約の種類を設定できる")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_pickup(self) -> bool:
        return self.identification == self.Identification.NOTICE_BIRTH

    @property
    def bring_list(self) -> list[str]:
        return [line.strip() for line in self.bring_items.splitlines() if line.strip()]


class SlotQuerySet(models.QuerySet["Slot"]):
    def bookable(self) -> SlotQuerySet:
        return self.filter(is_open=True, booked__lt=F("capacity"))

    def with_room_for(self, people: int) -> SlotQuerySet:
        return self.filter(is_open=True, capacity__gte=F("booked") + people)

    def upcoming(self, now: datetime.datetime | None = None) -> SlotQuerySet:
        return self.filter(starts_at__gt=now or timezone.now())


class Slot(models.Model):
    """One bookable time at one office. Generated from the calendar; never deleted while it has bookings.

    `is_open` False: the calendar or a capacity change withdrew it; its bookings stay and are listed for follow-up.
    """

    office = models.ForeignKey(
        "calendar.Office", verbose_name="庁舎", on_delete=models.PROTECT, related_name="slots"
    )
    date = models.DateField("日付")
    start = models.TimeField("開始")
    end = models.TimeField("終了")
    starts_at = models.DateTimeField("開始日時", db_index=True)
    capacity = models.PositiveSmallIntegerField("定員（人）")
    booked = models.PositiveSmallIntegerField("予約済み（人）", default=0)
    is_open = models.BooleanField("受付中", default=True)

    objects = SlotQuerySet.as_manager()

    class Meta:
        verbose_name = "予約枠"
        verbose_name_plural = "予約枠"
        ordering = ["date", "start", "office"]
        constraints = [
            models.UniqueConstraint(fields=["office", "date", "start"], name="slot_unique_office_date_start"),
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="slot_end_after_start"),
        ]
        indexes = [models.Index(fields=["office", "date"], name="slot_office_date")]
        permissions = [
            ("manage_slots", "予約枠・定員を設定できる"),
        ]

    def __str__(self) -> str:
        return f"{self.office} {self.date} {self.start:%H:%M}"

    @property
    def free(self) -> int:
        return max(0, self.capacity - self.booked) if self.is_open else 0

    @property
    def is_over_capacity(self) -> bool:
        return self.booked > self.capacity


class ReservationQuerySet(models.QuerySet["Reservation"]):
    def active(self) -> ReservationQuerySet:
        return self.filter(status__in=Reservation.ACTIVE_STATUSES)

    def on_day(self, office: Any, date: datetime.date) -> ReservationQuerySet:
        return self.filter(office=office, date=date)

    def needing_follow_up(self) -> ReservationQuerySet:
        """Booked into a slot the calendar or a capacity change has withdrawn or overfilled."""
        return self.filter(status=Reservation.Status.BOOKED).filter(
            Q(slot__is_open=False) | Q(slot__booked__gt=F("slot__capacity"))
        )


class Reservation(models.Model):
    """One booking for one or more cards (a family) at one office and slot; walk-ins have no slot."""

    class Status(models.TextChoices):
        HELD = "held", "仮押さえ"
        BOOKED = "booked", "予約済"
        CHECKED_IN = "checked_in", "来庁受付済"
        ISSUED = "issued", "交付済"
        NO_SHOW = "no_show", "来庁なし"
        CANCELLED = "cancelled", "取消"
        EXPIRED = "expired", "仮押さえ期限切れ"

    class Channel(models.TextChoices):
        PHONE = "phone", "電話（コールセンター）"
        WEB = "web", "Web（住民）"
        COUNTER = "counter", "窓口"
        API = "api", "API"
        IMPORT = "import", "他の予約システムから取込"

    # Counted in the slot and holding its cards.
    ACTIVE_STATUSES = (Status.HELD, Status.BOOKED, Status.CHECKED_IN)

    code = models.CharField("予約番号", max_length=12, unique=True)
    appointment_type = models.ForeignKey(
        AppointmentType,
        verbose_name="種類",
        on_delete=models.PROTECT,
        related_name="reservations",
        null=True,  # filled for every row by migration 0002; set by every service
    )
    office = models.ForeignKey(
        "calendar.Office", verbose_name="受取庁舎", on_delete=models.PROTECT, related_name="reservations"
    )
    slot = models.ForeignKey(
        Slot,
        verbose_name="予約枠",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reservations",
    )
    date = models.DateField("日付", db_index=True)
    party_size = models.PositiveSmallIntegerField("人数", default=1)
    # Appointments longer than one slot also hold these slots (consecutive, same office and day).
    extra_slot_ids = models.JSONField("続きの予約枠", default=list, blank=True)
    # Who comes, for types not tied to a card (encrypted; found by the hash, never by the value).
    person_name = EncryptedTextField("氏名", blank=True, validators=[no_individual_number])
    person_birth_date = EncryptedDateField("生年月日", blank=True, null=True)
    person_phone = EncryptedTextField("電話番号", blank=True, validators=[no_individual_number])
    expiry_notice_number = EncryptedTextField(
        "有効期限通知書の番号", blank=True, validators=[no_individual_number]
    )
    identity_hash = models.CharField(max_length=64, blank=True, default="", db_index=True, editable=False)
    status = models.CharField(
        "状態", max_length=12, choices=Status.choices, default=Status.BOOKED, db_index=True
    )
    channel = models.CharField("受付方法", max_length=10, choices=Channel.choices)
    is_walk_in = models.BooleanField("予約なし来庁", default=False)
    email = EncryptedTextField("メールアドレス", blank=True, validators=[no_individual_number])
    language = models.CharField("言語", max_length=10, default="ja")  # settings.LANGUAGES: mails go out in it
    reminder_opt_out = models.BooleanField("前日のお知らせメール不要", default=False)
    reminder_sent_at = models.DateTimeField("お知らせ送信日時", null=True, blank=True)
    # Phone bookings: a mobile number for the reminder SMS, only with the caller's consent (when it was given).
    reminder_mobile = EncryptedTextField("お知らせ用の携帯電話番号", blank=True, default="")
    reminder_consent_at = models.DateTimeField("お知らせ連絡の同意日時", null=True, blank=True)
    hold_expires_at = models.DateTimeField("仮押さえ期限", null=True, blank=True)
    # Part of the signed manage link; renewing it invalidates links already mailed.
    link_nonce = models.CharField(max_length=16, default="", editable=False)
    # The booking's id in the city's other reservation system (imports are idempotent by it; '' = booked here).
    external_ref = models.CharField("他システムの予約ID", max_length=64, blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("受付日時", default=timezone.now, db_index=True)
    updated_at = models.DateTimeField("更新日時", auto_now=True)
    cancelled_at = models.DateTimeField("取消日時", null=True, blank=True)
    checked_in_at = models.DateTimeField("来庁受付日時", null=True, blank=True)
    issued_at = models.DateTimeField("交付日時", null=True, blank=True)
    no_show_at = models.DateTimeField("来庁なし記録日時", null=True, blank=True)

    objects = ReservationQuerySet.as_manager()

    class Meta:
        verbose_name = "予約"
        verbose_name_plural = "予約"
        ordering = ["date", "slot__start", "code"]
        constraints = [
            models.CheckConstraint(condition=Q(party_size__gte=1), name="reservation_party_size_positive"),
            models.CheckConstraint(
                condition=Q(is_walk_in=True) | Q(slot__isnull=False), name="reservation_slot_unless_walk_in"
            ),
            # One active booking per person and type (the index does the duplicate check, not a read).
            models.UniqueConstraint(
                fields=["appointment_type", "identity_hash"],
                condition=Q(status__in=["held", "booked", "checked_in"]) & ~Q(identity_hash=""),
                name="reservation_one_active_per_person_and_type",
            ),
            models.UniqueConstraint(
                fields=["external_ref"], condition=~Q(external_ref=""), name="reservation_external_ref_once"
            ),
        ]
        indexes = [models.Index(fields=["office", "date", "status"], name="reservation_office_day")]
        permissions = [
            ("book_reservation", "受取予約を受け付け・変更・取消できる"),
            ("counter_reservation", "窓口で来庁受付・来庁なし・交付を記録できる"),
            ("view_daylist", "庁舎ごとの予約一覧を見られる"),
        ]

    def __str__(self) -> str:
        return self.display_code

    @property
    def display_code(self) -> str:
        return format_code(self.code)

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE_STATUSES

    @property
    def slot_ids(self) -> list[int]:
        """Every slot this booking holds places in (the first, then the rest of a longer appointment)."""
        return ([self.slot_id] if self.slot_id else []) + [int(i) for i in self.extra_slot_ids or []]


class ReservationCard(models.Model):
    """A card held by a reservation. `is_active` while the reservation is; one active row per card (DB)."""

    reservation = models.ForeignKey(Reservation, on_delete=models.CASCADE, related_name="card_links")
    card = models.ForeignKey("cards.Card", on_delete=models.PROTECT, related_name="reservation_links")
    is_active = models.BooleanField(default=True)
    issued_at = models.DateTimeField("交付日時", null=True, blank=True)

    class Meta:
        verbose_name = "予約のカード"
        verbose_name_plural = "予約のカード"
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["reservation", "card"], name="reservation_card_once"),
            models.UniqueConstraint(
                fields=["card"], condition=Q(is_active=True), name="reservation_card_one_active_per_card"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reservation_id}:{self.card_id}"


class ReservationEvent(models.Model):
    """History: every booking, change, cancel, check-in, no-show, issue and reminder."""

    class Kind(models.TextChoices):
        HOLD = "hold", "仮押さえ"
        BOOK = "book", "新規"
        CHANGE = "change", "変更"
        CANCEL = "cancel", "取消"
        EXPIRE = "expire", "仮押さえ期限切れ"
        CHECK_IN = "check_in", "来庁受付"
        WALK_IN = "walk_in", "予約なし来庁"
        NO_SHOW = "no_show", "来庁なし"
        ISSUE = "issue", "交付"
        REMINDER = "reminder", "お知らせ送信"
        OPT_OUT = "opt_out", "お知らせ設定変更"

    reservation = models.ForeignKey(Reservation, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField("日時", default=timezone.now, db_index=True)
    kind = models.CharField("種別", max_length=10, choices=Kind.choices)
    channel = models.CharField("受付方法", max_length=10, choices=Reservation.Channel.choices, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    from_slot = models.ForeignKey(Slot, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    to_slot = models.ForeignKey(Slot, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    note = models.CharField("備考", max_length=300, blank=True, validators=[no_individual_number])

    class Meta:
        verbose_name = "予約の履歴"
        verbose_name_plural = "予約の履歴"
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.reservation_id} {self.kind}"


class WaitlistEntry(models.Model):
    """キャンセル待ち: a resident waiting for a place on a day; a freed place is offered (held) with a time limit."""

    class Status(models.TextChoices):
        WAITING = "waiting", "待機中"
        OFFERED = "offered", "案内中（確定待ち）"
        BOOKED = "booked", "予約確定"
        LAPSED = "lapsed", "案内の期限切れ"
        CANCELLED = "cancelled", "取消"

    appointment_type = models.ForeignKey(AppointmentType, on_delete=models.PROTECT, related_name="+")
    office = models.ForeignKey("calendar.Office", on_delete=models.PROTECT, related_name="+")
    date = models.DateField("希望日", db_index=True)
    people = models.PositiveSmallIntegerField("人数", default=1)
    language = models.CharField("言語", max_length=10, default="ja")  # the offer mail goes out in it
    # A pickup waits with its cards (ids only: the cards hold the personal data); other types with a person.
    card_ids = models.JSONField("カード", default=list, blank=True)
    email = EncryptedTextField("メールアドレス", validators=[no_individual_number])
    person_name = EncryptedTextField("氏名", blank=True, validators=[no_individual_number])
    person_birth_date = EncryptedDateField("生年月日", blank=True, null=True)
    person_phone = EncryptedTextField("電話番号", blank=True, validators=[no_individual_number])
    expiry_notice_number = EncryptedTextField(
        "有効期限通知書の番号", blank=True, validators=[no_individual_number]
    )
    status = models.CharField("状態", max_length=10, choices=Status.choices, default=Status.WAITING)
    offered_reservation = models.ForeignKey(
        Reservation, null=True, blank=True, on_delete=models.SET_NULL, related_name="waitlist_entries"
    )
    created_at = models.DateTimeField("登録日時", default=timezone.now)

    class Meta:
        verbose_name = "キャンセル待ち"
        verbose_name_plural = "キャンセル待ち"
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["office", "date", "status"], name="waitlist_office_day")]

    def __str__(self) -> str:
        return f"{self.office_id} {self.date} {self.status}"

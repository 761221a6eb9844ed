from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone

from .roles import Role


class User(AbstractUser):
    """A personal account (no shared logins). The role is the user's group."""

    display_name = models.CharField("表示名", max_length=100, blank=True)
    # Set when an administrator chose the password (new account, reset): the user must change it first.
    must_change_password = models.BooleanField("次回ログイン時にパスワード変更", default=False)
    # When an administrator deactivated the account (a leaver): the retention clock for staff data starts here.
    deactivated_at = models.DateTimeField("無効にした日時", null=True, blank=True)

    class Meta:
        verbose_name = "職員アカウント"
        verbose_name_plural = "職員アカウント"
        permissions = [
            ("manage_accounts", "職員アカウントを管理できる"),
            # Least privilege (docs/security.md): without it, addresses and phones are masked until 「表示」.
            ("view_full_contact", "住民の住所・電話番号を伏せずに見られる"),
            # Without it (floor staff), bookings and searches show codes, times and counts, not who.
            ("view_resident_names", "予約・検索で住民の氏名と生年月日を見られる"),
        ]

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def roles(self) -> set[str]:
        cached = getattr(self, "_roles_cache", None)
        if cached is None:
            cached = set(self.groups.values_list("name", flat=True)) if self.pk else set()
            self._roles_cache = cached
        return cached

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles & {str(r) for r in roles})

    @property
    def role_labels(self) -> str:
        return "・".join(Role(r).label for r in sorted(self.roles) if r in Role.values)


class AuditQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> int:
        raise PermissionError("監査ログは変更できません。")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError("監査ログは削除できません。")


class AuditEvent(models.Model):
    """Append-only: who did what to which record, from where. Never personal values.

    The application refuses update/delete here, and database triggers (see migration 0002)
    refuse them for any other client that uses the application's database account.
    """

    class Action(models.TextChoices):
        CREATE = "create", "作成"
        UPDATE = "update", "変更"
        DELETE = "delete", "削除"
        VIEW = "view", "閲覧"
        LIST = "list", "一覧表示"
        SEARCH = "search", "検索"
        EXPORT = "export", "出力"
        PRINT = "print", "印刷"
        IMPORT = "import", "取込"
        LOGIN = "login", "ログイン"
        LOGIN_FAILED = "login_failed", "ログイン失敗"
        LOGOUT = "logout", "ログアウト"
        TRANSITION = "transition", "状態変更"

    at = models.DateTimeField("日時", default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        "accounts.User",
        verbose_name="操作者",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_username = models.CharField("ユーザー名", max_length=150, blank=True)
    action = models.CharField("操作", max_length=20, choices=Action.choices, db_index=True)
    object_type = models.CharField("対象の種類", max_length=100, db_index=True)
    object_id = models.CharField("対象ID", max_length=64, blank=True, db_index=True)
    ip_address = models.GenericIPAddressField("接続元", null=True, blank=True)
    path = models.CharField("画面", max_length=300, blank=True)
    detail = models.JSONField("詳細", default=dict, blank=True)
    # The hash chain (accounts/chain.py): position, the previous row's hash, and this row's keyed hash.
    seq = models.BigIntegerField("連番", null=True, blank=True, unique=True)
    prev_hash = models.CharField("前の行のハッシュ", max_length=64, blank=True, default="")
    row_hash = models.CharField("この行のハッシュ", max_length=64, blank=True, default="")

    objects = AuditQuerySet.as_manager()

    class Meta:
        verbose_name = "監査ログ"
        verbose_name_plural = "監査ログ"
        ordering = ["-at", "-id"]
        default_permissions = ("view",)
        permissions = [("export_auditevent", "監査ログを出力できる")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_username} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise PermissionError("監査ログは変更できません。")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise PermissionError("監査ログは削除できません。")


class AuditChainHead(models.Model):
    """One row: the last link of the audit hash chain. Appends lock it (SELECT … FOR UPDATE) so links never fork."""

    seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        default_permissions = ()

    def __str__(self) -> str:
        return f"audit chain head {self.seq}"


class AttemptCounter(models.Model):
    """Failed attempts of one kind (`scope`) from one source or against one target, in a window.

    The key is a keyed hash (an address or a notice number never appears here). Rows are shared by every app
    server through the database; `accounts.throttle` updates them under a row lock.
    """

    scope = models.CharField("種類", max_length=40)
    key_hash = models.CharField("キー（ハッシュ）", max_length=64)
    count = models.PositiveIntegerField("失敗回数", default=0)
    window_started = models.DateTimeField("集計開始", default=timezone.now)
    blocked_until = models.DateTimeField("次に受け付ける時刻", null=True, blank=True)

    class Meta:
        verbose_name = "試行回数"
        verbose_name_plural = "試行回数"
        default_permissions = ()
        constraints = [models.UniqueConstraint(fields=["scope", "key_hash"], name="accounts_attempt_unique")]

    def __str__(self) -> str:
        return f"{self.scope}:{self.key_hash[:8]} {self.count}"


class TwoFactorApproval(models.Model):
    """First enrolment of an authenticator app: the user proves the code, an administrator (not the user) confirms.

    Until approved the device stays unconfirmed, so a stolen password alone cannot enrol the thief's phone."""

    device = models.OneToOneField(
        "otp_totp.TOTPDevice", on_delete=models.CASCADE, related_name="approval", verbose_name="認証アプリ"
    )
    requested_at = models.DateTimeField("申請日時", default=timezone.now)
    approved_at = models.DateTimeField("承認日時", null=True, blank=True)
    approved_by = models.ForeignKey(
        "accounts.User",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="承認者",
    )

    class Meta:
        verbose_name = "2段階認証の登録承認"
        verbose_name_plural = "2段階認証の登録承認"
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.device_id} {'承認済み' if self.approved_at else '承認待ち'}"

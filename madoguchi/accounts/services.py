"""Audit trail writes. Every service that creates, changes or deletes a domain record, and every view,
list, export or print of personal data, calls `audit_record` inside its transaction."""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.db import models, transaction
from django.http import HttpRequest
from django.utils import timezone

from madoguchi.lib.privacy import text_holds_individual_number

from .chain import chain_append
from .clientaddr import client_address
from .models import AuditEvent, User

audit_logger = logging.getLogger("madoguchi.audit")


def client_ip(request: HttpRequest | None) -> str | None:
    """The one trusted client address (see accounts/clientaddr.py): the audit trail, the lockout, every throttle."""
    return client_address(request)


def _safe_detail(detail: dict[str, Any] | None) -> dict[str, Any]:
    """Details hold ids, codes, counts and field names only; refuse anything that looks like an individual number."""
    detail = dict(detail or {})
    for key, value in detail.items():
        if text_holds_individual_number(value):
            raise ValueError(f"audit detail {key!r} must not contain personal numbers")
    return detail


def audit_record(
    *,
    actor: User | None,
    action: str,
    object_type: str | None = None,
    object_id: object = "",
    obj: models.Model | None = None,
    request: HttpRequest | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one audit row. `obj` fills object_type/object_id; personal values never go in `detail`."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    event = AuditEvent(
        at=timezone.now(),
        actor=actor,
        actor_username=actor.get_username() if actor else "",
        action=action,
        object_type=(object_type or "")[:100],
        object_id=str(object_id or "")[:64],
        ip_address=client_ip(request),
        path=(request.path[:300] if request is not None else ""),
        detail=_safe_detail(detail),
    )
    # No savepoint: inside the caller's transaction a failed append fails (and rolls back) the whole operation;
    # outside any transaction this is its own transaction.
    with transaction.atomic(savepoint=False):
        chain_append(event)
    # A copy for shipping off the server (syslog / JSON log), once the row is committed.
    transaction.on_commit(lambda: audit_log_emit(event))
    return event


def audit_log_emit(event: AuditEvent) -> None:
    """One JSON line per committed audit row on the `madoguchi.audit` logger (ids and codes only)."""
    audit_logger.info(
        "audit",
        extra={
            "audit": {
                "seq": event.seq,
                "at": event.at.isoformat(),
                "actor": event.actor_username,
                "action": event.action,
                "object_type": event.object_type,
                "object_id": event.object_id,
                "ip": event.ip_address or "",
                "path": event.path,
                "detail": event.detail,
                "hash": event.row_hash,
            }
        },
    )


def staff_create(
    *,
    username: str,
    password: str,
    role: str,
    display_name: str = "",
    email: str = "",
    by: User | None = None,
    must_change_password: bool = False,
) -> User:
    """Create a personal staff account with one role. The password passes every configured validator; one chosen
    by an administrator (`must_change_password`) must be changed at the first login."""
    from django.contrib.auth.models import Group

    validate_password(password, user=User(username=username, display_name=display_name, email=email))
    with transaction.atomic():
        user = User.objects.create_user(
            username=username,
            password=password,
            email=email,
            display_name=display_name,
            must_change_password=must_change_password,
        )
        user.groups.add(Group.objects.get(name=role))
        audit_record(actor=by, action=AuditEvent.Action.CREATE, obj=user, detail={"role": role})
    return user


def staff_password_reset(*, user: User, password: str, by: User, request: HttpRequest | None = None) -> User:
    """An administrator sets a temporary password: validated, audited, the user's sessions end, and the user must
    change it at the next login."""
    validate_password(password, user=user)
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        user.set_password(password)
        user.must_change_password = True
        user.save(update_fields=["password", "must_change_password"])
        _end_sessions(user)
        audit_record(
            actor=by,
            action=AuditEvent.Action.UPDATE,
            obj=user,
            request=request,
            detail={"fields": ["password"], "reset_by_admin": True},
        )
    return user


def _end_sessions(user: User) -> None:
    from django.contrib.sessions.models import Session

    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if str(session.get_decoded().get("_auth_user_id")) == str(user.pk):
            session.delete()


def staff_deactivate(*, user: User, by: User, request: HttpRequest | None = None) -> User:
    """A leaver's account: it can no longer sign in, its sessions end, and the retention clock for its personal
    data (`departed_staff_purge`) starts. Nobody deactivates their own account (ValueError)."""
    if user.pk == by.pk:
        raise ValueError("自分自身のアカウントは無効にできません。")
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        user.is_active = False
        user.deactivated_at = user.deactivated_at or timezone.now()
        user.save(update_fields=["is_active", "deactivated_at"])
        _end_sessions(user)
        audit_record(
            actor=by,
            action=AuditEvent.Action.UPDATE,
            obj=user,
            request=request,
            detail={"fields": ["is_active"]},
        )
    return user


DEPARTED_PREFIX = "departed-"
DEPARTED_NAME = "退職者"


def departed_staff_purge(*, before: Any, dry_run: bool, holds: Any = ()) -> int:
    """Retention (madoguchi/retention, kind `accounts.departed_staff`): accounts deactivated before `before` lose
    their personal data — user name (becomes `departed-<id>`), display name, names, e-mail, password and
    authenticators. The account row stays, so audit rows, histories and records still point to it; the audit
    trail keeps the user name it recorded at the time. Accounts deactivated inside a legal hold are kept."""
    from django.contrib.auth.hashers import make_password
    from django.db.models import CharField, Value
    from django.db.models.functions import Cast, Concat
    from django_otp.plugins.otp_totp.models import TOTPDevice

    qs = User.objects.filter(is_active=False, deactivated_at__lt=before).exclude(
        username__startswith=DEPARTED_PREFIX
    )
    for start, end in holds or ():
        qs = qs.exclude(deactivated_at__range=(start, end))
    if dry_run:
        return qs.count()
    with transaction.atomic():
        ids = list(qs.select_for_update().values_list("pk", flat=True))
        TOTPDevice.objects.filter(user_id__in=ids).delete()
        count = User.objects.filter(pk__in=ids).update(
            username=Concat(Value(DEPARTED_PREFIX), Cast("pk", output_field=CharField())),
            display_name=DEPARTED_NAME,
            first_name="",
            last_name="",
            email="",
            password=make_password(None),
            must_change_password=False,
        )
        audit_record(
            actor=None,
            action=AuditEvent.Action.DELETE,
            object_type="accounts.user",
            detail={"purged": count, "what": "departed_staff"},
        )
    return count


def password_change(*, user: User, password: str, request: HttpRequest | None = None) -> User:
    """The user's own new password (the form checked the old one and the validators)."""
    validate_password(password, user=user)
    with transaction.atomic():
        user.set_password(password)
        user.must_change_password = False
        user.save(update_fields=["password", "must_change_password"])
        audit_record(
            actor=user,
            action=AuditEvent.Action.UPDATE,
            obj=user,
            request=request,
            detail={"fields": ["password"]},
        )
    return user


def two_factor_request(*, device: Any, request: HttpRequest | None = None) -> Any:
    """The user proved a code from a new authenticator: it waits for an administrator's approval."""
    from .models import TwoFactorApproval

    with transaction.atomic():
        approval, _ = TwoFactorApproval.objects.get_or_create(device=device)
        audit_record(
            actor=device.user,
            action=AuditEvent.Action.CREATE,
            obj=approval,
            request=request,
            detail={"step": "2fa_enrolment_requested"},
        )
    return approval


def two_factor_approve(*, approval: Any, by: User, request: HttpRequest | None = None) -> Any:
    """An administrator other than the user confirms the enrolment; the device becomes usable."""
    from django.core.exceptions import PermissionDenied

    from .models import TwoFactorApproval

    with transaction.atomic():
        approval = TwoFactorApproval.objects.select_for_update().select_related("device").get(pk=approval.pk)
        if approval.device.user_id == by.pk:
            raise PermissionDenied("自分の2段階認証の登録は承認できません。別の管理者に依頼してください。")
        if approval.approved_at is None:
            approval.approved_at = timezone.now()
            approval.approved_by = by
            approval.save(update_fields=["approved_at", "approved_by"])
            approval.device.confirmed = True
            approval.device.save(update_fields=["confirmed"])
            audit_record(
                actor=by,
                action=AuditEvent.Action.UPDATE,
                obj=approval,
                request=request,
                detail={"step": "2fa_enrolment_approved", "user": approval.device.user_id},
            )
    return approval


def personal_data_erase(
    *,
    queryset: models.QuerySet[Any],
    at_field: str,
    holds: Any,
    clear: dict[str, Any],
    dry_run: bool,
    what: str,
) -> int:
    """Retention (madoguchi/retention): erase `clear` on the rows of `queryset` outside every legal-hold window
    (`holds`: (start, end) pairs compared with `at_field`), with one audit row giving the count. With `dry_run`,
    only count. Each app's purge function chooses its rows and fields and calls this."""
    for start, end in holds or ():
        queryset = queryset.exclude(**{f"{at_field}__range": (start, end)})
    if dry_run:
        return queryset.count()
    with transaction.atomic():
        count = queryset.update(**clear)
        audit_record(
            actor=None,
            action=AuditEvent.Action.DELETE,
            object_type=queryset.model._meta.label_lower,
            detail={"purged": count, "what": what},
        )
    return count

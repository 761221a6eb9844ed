"""Audit trail writes. Every service that creates, changes or deletes a domain record, and every view,
list, export or print of personal data, calls `audit_record` inside its transaction."""

from __future__ import annotations

import logging
from typing import Any

from django.db import models, transaction
from django.http import HttpRequest
from django.utils import timezone

from madoguchi.lib.privacy import contains_individual_number

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
        if isinstance(value, str) and contains_individual_number(value):
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
    with transaction.atomic():
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
) -> User:
    """Create a personal staff account with one role."""
    from django.contrib.auth.models import Group
    from django.db import transaction

    with transaction.atomic():
        user = User.objects.create_user(
            username=username, password=password, email=email, display_name=display_name
        )
        user.groups.add(Group.objects.get(name=role))
        audit_record(actor=by, action=AuditEvent.Action.CREATE, obj=user, detail={"role": role})
    return user

"""The audit trail's hash chain: every row carries HMAC-SHA256(key, previous row's hash | this row's content).

Editing, deleting or inserting a row in the middle breaks the chain from that row on; `madoguchi verify_audit`
names the first broken link. The key (MADOGUCHI_AUDIT_KEY, by default derived from MADOGUCHI_HASH_KEY) lives
with the application, not in the database: someone with only database access cannot re-chain rows they changed.
Appends are serialised by locking the one chain-head row (`SELECT … FOR UPDATE` on PostgreSQL; SQLite has a
single writer), inside the caller's transaction, so a rolled-back transaction leaves no link behind.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from .models import AuditChainHead, AuditEvent


def chain_key() -> bytes:
    explicit = getattr(settings, "MADOGUCHI_AUDIT_KEY", "") or ""
    if explicit:
        return explicit.encode()
    base = (getattr(settings, "MADOGUCHI_HASH_KEY", "") or "").encode()
    if not base:
        raise RuntimeError("MADOGUCHI_AUDIT_KEY or MADOGUCHI_HASH_KEY must be set to chain the audit trail.")
    return hmac.new(base, b"madoguchi audit chain", hashlib.sha256).digest()


def _at(value: datetime.datetime) -> str:
    return value.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical(event: AuditEvent) -> str:
    """The row's content as one stable string (the same before the insert and after reading it back)."""
    content: dict[str, Any] = {
        "seq": event.seq,
        "at": _at(event.at),
        "actor": event.actor_id,
        "username": event.actor_username,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "ip": event.ip_address or "",
        "path": event.path,
        "detail": event.detail,
    }
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def link_hash(prev_hash: str, event: AuditEvent) -> str:
    message = f"{prev_hash}|{canonical(event)}".encode()
    return hmac.new(chain_key(), message, hashlib.sha256).hexdigest()


def chain_append(event: AuditEvent) -> AuditEvent:
    """Give an unsaved event its place in the chain and save it. Call inside transaction.atomic."""
    head, _ = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
    event.seq = head.seq + 1
    event.prev_hash = head.last_hash
    event.row_hash = link_hash(head.last_hash, event)
    event.save()
    AuditChainHead.objects.filter(pk=1).update(seq=event.seq, last_hash=event.row_hash)
    return event


@dataclass(frozen=True)
class Break:
    seq: int | None
    event_id: int | None
    reason: str

    def __str__(self) -> str:
        where = f"連番 {self.seq}" if self.seq is not None else "連番なし"
        return f"{where}（ID {self.event_id}）: {self.reason}"


@dataclass(frozen=True)
class Report:
    checked: int
    unchained: int  # rows written before the chain existed (migration)
    broken: Break | None


def _rows() -> Iterator[AuditEvent]:
    return AuditEvent.objects.order_by("seq", "id").iterator(chunk_size=2000)


def chain_verify() -> Report:
    """Walk the chain in order; the first row whose position, back link or own hash is wrong is the break."""
    checked = unchained = 0
    prev_hash = ""
    expected = 1
    seen_chained = False
    for event in _rows():
        if event.seq is None:
            if seen_chained:
                return Report(
                    checked, unchained, Break(None, event.pk, "ハッシュ連鎖のない行が後から追加されています")
                )
            unchained += 1
            continue
        seen_chained = True
        if event.seq != expected:
            reason = f"連番 {expected} から {event.seq - 1} の行がありません（削除された可能性）"
            return Report(checked, unchained, Break(event.seq, event.pk, reason))
        if event.prev_hash != prev_hash:
            return Report(checked, unchained, Break(event.seq, event.pk, "前の行とのつながりが一致しません"))
        if not hmac.compare_digest(event.row_hash, link_hash(prev_hash, event)):
            return Report(
                checked, unchained, Break(event.seq, event.pk, "行の内容が記録時から変更されています")
            )
        prev_hash = event.row_hash
        expected += 1
        checked += 1
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is not None and head.seq != expected - 1:
        reason = f"末尾の連番 {expected} から {head.seq} の行がありません（削除された可能性）"
        return Report(checked, unchained, Break(expected, None, reason))
    if head is not None and head.last_hash != prev_hash:
        return Report(checked, unchained, Break(expected - 1, None, "最後の行のハッシュが記録と一致しません"))
    return Report(checked, unchained, None)

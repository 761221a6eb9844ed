"""The audit trail's hash chain: every row carries HMAC-SHA256(key, previous row's hash | this row's content).

Editing, deleting or inserting a row in the middle breaks the chain from that row on; `madoguchi verify_audit`
names the first broken link. The key (MADOGUCHI_AUDIT_KEY, by default derived from MADOGUCHI_HASH_KEY) lives
with the application, not in the database: someone with only database access cannot re-chain rows they changed.
Appends are serialised by locking the one chain-head row, inside the caller's transaction, so a rolled-back
transaction leaves no link behind. One append is three statements and no savepoint: `UPDATE head SET seq = seq + n
… RETURNING seq, last_hash` takes the row lock and reads the previous link at once (on PostgreSQL a writer that
waited for the lock re-reads the row as the holder committed it, so it always continues from the committed head;
SQLite has a single writer), then one INSERT of the row(s), then one UPDATE of the head's hash.
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
from django.db import connection, transaction

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


# The head's table is fixed by AuditChainHead (accounts_auditchainhead); constant SQL, parameters only.
_TAKE_HEAD = 'UPDATE "accounts_auditchainhead" SET seq = seq + %s WHERE id = 1 RETURNING seq, last_hash'
_MOVE_HEAD = 'UPDATE "accounts_auditchainhead" SET last_hash = %s WHERE id = 1'


def _take_head(count: int) -> tuple[int, str]:
    """Lock the chain head and move its position on by `count` in one statement; returns the first free position
    and the previous row's hash. Creates the head row the first time (ignoring a concurrent creator's row)."""
    with connection.cursor() as cursor:
        cursor.execute(_TAKE_HEAD, [count])
        row = cursor.fetchone()
        if row is None:
            AuditChainHead.objects.bulk_create([AuditChainHead(pk=1)], ignore_conflicts=True)
            cursor.execute(_TAKE_HEAD, [count])
            row = cursor.fetchone()
    seq, last_hash = row
    return int(seq) - count + 1, last_hash


def chain_append_many(events: list[AuditEvent]) -> list[AuditEvent]:
    """Give unsaved events consecutive places in the chain and save them with one INSERT, inside the caller's
    transaction (the head stays locked until its commit, and a rollback leaves no link behind)."""
    if not events:
        return events
    # Inside the caller's transaction (no savepoint); on its own it is one transaction, so the head's position
    # and hash never move apart.
    with transaction.atomic(savepoint=False):
        first, prev_hash = _take_head(len(events))
        for offset, event in enumerate(events):
            event.seq = first + offset
            event.prev_hash = prev_hash
            event.row_hash = prev_hash = link_hash(prev_hash, event)
        if len(events) == 1:
            events[0].save()
        else:
            AuditEvent.objects.bulk_create(events)
        with connection.cursor() as cursor:  # a hex digest: nothing for the ORM's guards to look at
            cursor.execute(_MOVE_HEAD, [prev_hash])
    return events


def chain_append(event: AuditEvent) -> AuditEvent:
    """Give an unsaved event its place in the chain and save it. Call inside transaction.atomic."""
    chain_append_many([event])
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

"""Counting failed attempts in the database (shared by every app server), for throttles with growing delays.

`attempt_failed` adds one failure to (scope, key) inside a window and sets the earliest time the next attempt is
accepted (`delay(count)` seconds later); `attempt_state` reads it. Keys are hashed with the lookup-hash key.
The database (not the cache) keeps the counts: the database cache's `incr` restarts an entry's expiry and is not
atomic, so a count could vanish after five minutes or lose concurrent failures.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from madoguchi.lib.crypto import lookup_hash

from .models import AttemptCounter


@dataclass(frozen=True)
class AttemptState:
    count: int
    wait_seconds: int


def _hash(scope: str, key: str) -> str:
    return lookup_hash(f"throttle:{scope}", key or "-")[:64]


def attempt_state(*, scope: str, key: str, window: datetime.timedelta) -> AttemptState:
    now = timezone.now()
    row = AttemptCounter.objects.filter(scope=scope, key_hash=_hash(scope, key)).first()
    if row is None or row.window_started + window <= now:
        return AttemptState(count=0, wait_seconds=0)
    wait = 0
    if row.blocked_until is not None and row.blocked_until > now:
        wait = int((row.blocked_until - now).total_seconds()) + 1
    return AttemptState(count=row.count, wait_seconds=wait)


def attempt_failed(
    *,
    scope: str,
    key: str,
    window: datetime.timedelta,
    delay: Callable[[int], int] | None = None,
) -> AttemptState:
    """One more failure; returns the count in the window and the wait before the next attempt."""
    key_hash = _hash(scope, key)
    now = timezone.now()
    with transaction.atomic():
        row = AttemptCounter.objects.select_for_update().filter(scope=scope, key_hash=key_hash).first()
        if row is None:
            try:
                with transaction.atomic():
                    row = AttemptCounter.objects.create(scope=scope, key_hash=key_hash, window_started=now)
            except IntegrityError:  # another server created it a moment ago
                row = AttemptCounter.objects.select_for_update().get(scope=scope, key_hash=key_hash)
        if row.window_started + window <= now:
            row.count = 0
            row.window_started = now
            row.blocked_until = None
        row.count += 1
        wait = delay(row.count) if delay is not None else 0
        row.blocked_until = now + datetime.timedelta(seconds=wait) if wait else None
        row.save(update_fields=["count", "window_started", "blocked_until"])
    return AttemptState(count=row.count, wait_seconds=wait)


def attempts_forget(*, scope: str, key: str) -> None:
    AttemptCounter.objects.filter(scope=scope, key_hash=_hash(scope, key)).delete()


def attempts_purge(*, before: datetime.datetime) -> int:
    """Drop counters whose window started before `before` (retention)."""
    deleted, _ = AttemptCounter.objects.filter(window_started__lt=before).delete()
    return deleted

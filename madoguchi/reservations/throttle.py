"""Rate limiting and lockout for the public sign-in (notice number + birth date), in the shared cache.

Failures are counted per client address and per notice number (keyed hash, never the number itself), each
in a window of MADOGUCHI_PUBLIC_SIGNIN_LOCK_MINUTES; at MADOGUCHI_PUBLIC_SIGNIN_FAILURES either is locked
until the window ends. The cache is the database or Redis in production, so every app server sees the
same counts. A correct sign-in clears the notice number's count, not the address's (no reset by mixing in
one's own card).
"""

from __future__ import annotations

from django.core.cache import cache

from madoguchi.lib.crypto import lookup_hash
from madoguchi.lib.text import normalize_key

from .rules import rules


def _keys(ip: str | None, notice_number: str) -> list[str]:
    keys = [f"resv:signin:ip:{ip or 'unknown'}"]
    key = normalize_key(notice_number or "")
    if key:
        keys.append(f"resv:signin:nb:{lookup_hash('signin', key)[:32]}")
    return keys


def signin_locked(*, ip: str | None, notice_number: str = "") -> bool:
    limit = rules().signin_failures
    return any((cache.get(k) or 0) >= limit for k in _keys(ip, notice_number))


def signin_failed(*, ip: str | None, notice_number: str) -> None:
    timeout = rules().signin_lock_minutes * 60
    for key in _keys(ip, notice_number):
        # add() starts the window only once; incr() is atomic in the database and Redis caches.
        cache.add(key, 0, timeout)
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, 1, timeout)


def signin_succeeded(*, ip: str | None, notice_number: str) -> None:
    keys = _keys(ip, notice_number)
    if len(keys) > 1:
        cache.delete(keys[1])

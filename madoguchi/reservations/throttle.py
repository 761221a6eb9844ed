"""Abuse protection for the resident sign-in (notice number + birth date) that never refuses the right answer.

Two independent counters, in the database (`accounts.throttle`), keyed by hashes only:

* **Per source** (the trusted client address, accounts/clientaddr.py): the first MADOGUCHI_PUBLIC_SIGNIN_FAILURES
  wrong answers in 24 hours cost nothing; after that each wrong answer makes the next attempt *from that address*
  wait 4, 8, 16 … seconds, at most MADOGUCHI_PUBLIC_SIGNIN_MAX_DELAY_MINUTES. Nobody else is affected.
* **Per notice number** (all sources together, MADOGUCHI_PUBLIC_SIGNIN_NOTICE_WINDOW_DAYS): once it has had
  MADOGUCHI_PUBLIC_SIGNIN_FAILURES wrong birth dates, the number is "under attack": a birth date alone no longer signs
  in. Every answer — right or wrong — gets the same reply: a one-time code is mailed to the e-mail address on file
  (from an earlier booking), or the resident calls the call center. The reply does not reveal whether the birth date
  was right, so guessing stops being useful; the owner still gets in (code, or the operator books by phone).

Why a birth date cannot be found this way: docs/security.md ("Resident sign-in").
"""

from __future__ import annotations

import datetime
import hmac
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

from madoguchi.accounts.throttle import attempt_failed, attempt_state
from madoguchi.lib.crypto import lookup_hash
from madoguchi.lib.text import normalize_key

from .rules import rules

SOURCE = "resv.signin.source"
NOTICE = "resv.signin.notice"
SOURCE_WINDOW = datetime.timedelta(hours=24)
CODE_TTL_SECONDS = 15 * 60
CODE_TRIES = 5


def _notice_window() -> datetime.timedelta:
    return datetime.timedelta(days=int(getattr(settings, "MADOGUCHI_PUBLIC_SIGNIN_NOTICE_WINDOW_DAYS", 90)))


def source_delay(count: int) -> int:
    """Seconds the next attempt from a source waits after `count` wrong answers in the window."""
    free = rules().signin_failures
    if count < free:
        return 0
    cap = int(getattr(settings, "MADOGUCHI_PUBLIC_SIGNIN_MAX_DELAY_MINUTES", 15)) * 60
    return min(4 * 2 ** min(count - free, 20), cap)


@dataclass(frozen=True)
class Verdict:
    wait_seconds: int  # > 0: this source must wait before trying again
    step_up: bool  # the notice number needs the extra factor


def _notice_key(notice_number: str) -> str:
    return normalize_key(notice_number or "")


def signin_check(*, ip: str | None, notice_number: str) -> Verdict:
    source = attempt_state(scope=SOURCE, key=ip or "unknown", window=SOURCE_WINDOW)
    notice = _notice_key(notice_number)
    step_up = False
    if notice:
        count = attempt_state(scope=NOTICE, key=notice, window=_notice_window()).count
        step_up = count >= rules().signin_failures
    return Verdict(wait_seconds=source.wait_seconds, step_up=step_up)


def source_failed(*, ip: str | None) -> int:
    """Count one attempt against the source; returns the seconds it must now wait."""
    return attempt_failed(
        scope=SOURCE, key=ip or "unknown", window=SOURCE_WINDOW, delay=source_delay
    ).wait_seconds


def signin_failed(*, ip: str | None, notice_number: str) -> None:
    source_failed(ip=ip)
    notice = _notice_key(notice_number)
    if notice:
        attempt_failed(scope=NOTICE, key=notice, window=_notice_window())


# --- the extra factor: a one-time code to the e-mail address on file ----------------------------------


def _code_key(card_id: int) -> str:
    return f"resv:stepup:{lookup_hash('stepup', str(card_id))[:32]}"


def _code_hash(code: str) -> str:
    return lookup_hash("stepup-code", code)


def stepup_code_issue(*, card_id: int) -> str:
    """A fresh six-digit code for the card (replaces any earlier one); kept as a keyed hash for 15 minutes."""
    code = f"{secrets.randbelow(10**6):06d}"
    cache.set(_code_key(card_id), {"hash": _code_hash(code), "tries": 0}, CODE_TTL_SECONDS)
    return code


def stepup_code_check(*, card_id: int | None, code: str) -> bool:
    """True once for the right code; five wrong codes void it."""
    if card_id is None:
        return False
    key = _code_key(card_id)
    entry = cache.get(key)
    if not entry:
        return False
    if hmac.compare_digest(entry["hash"], _code_hash(normalize_key(code or ""))):
        cache.delete(key)
        return True
    entry["tries"] += 1
    if entry["tries"] >= CODE_TRIES:
        cache.delete(key)
    else:
        cache.set(key, entry, CODE_TTL_SECONDS)
    return False

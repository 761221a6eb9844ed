"""SMS through a pluggable gateway backend, like Django's e-mail backends.

`MADOGUCHI_SMS_BACKEND` names a class with `send(to: str, body: str) -> None` that raises `SmsError` when the
gateway refuses or cannot be reached:
- `madoguchi.lib.sms.ConsoleBackend` (default; the demo): prints the message to standard output;
- `madoguchi.lib.sms.LocmemBackend` (tests): keeps messages in `madoguchi.lib.sms.outbox`;
- a gateway of the city's contract: a small class in the deployment that posts to the provider's HTTP API.
Numbers and texts are never logged.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

MOBILE_RE = re.compile(r"0[789]0\d{8}")


class SmsError(Exception):
    """The gateway refused the message or could not be reached (the caller tries again later)."""


class SmsBackend(Protocol):
    def send(self, to: str, body: str) -> None: ...


@dataclass(frozen=True)
class SmsMessage:
    to: str
    body: str


outbox: list[SmsMessage] = []


class ConsoleBackend:
    def send(self, to: str, body: str) -> None:
        sys.stdout.write(f"--- SMS to {to} ---\n{body}\n")
        sys.stdout.flush()


class LocmemBackend:
    def send(self, to: str, body: str) -> None:
        outbox.append(SmsMessage(to=to, body=body))


def normalize_mobile(value: str) -> str:
    """A Japanese mobile number as digits (070/080/090 + 8 digits), or "" when it is not one."""
    digits = re.sub(r"[\s\-ー－()（）]", "", value or "")
    digits = digits.translate(str.maketrans("０１２３４５６７８９", "0123456789"))
    if digits.startswith("+81"):
        digits = "0" + digits[3:]
    return digits if MOBILE_RE.fullmatch(digits) else ""


def send_sms(*, to: str, body: str) -> None:
    backend_class = import_string(
        getattr(settings, "MADOGUCHI_SMS_BACKEND", "madoguchi.lib.sms.ConsoleBackend")
    )
    backend: SmsBackend = backend_class()
    backend.send(to, body)

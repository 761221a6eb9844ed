"""Personal fields encrypted at rest (Fernet, keys rotated as a list) and keyed hashes for exact lookups.

`MADOGUCHI_FIELD_KEYS` is a list of Fernet keys, newest first: new values are encrypted with the
first, any key in the list decrypts. `madoguchi rotate_field_keys` re-encrypts every row with the first.
`MADOGUCHI_HASH_KEY` keys an HMAC-SHA256 so that equal inputs (after normalisation) can be found
with an indexed equality query without storing the plaintext.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import hmac
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

from .text import normalize_key

PREFIX = "enc1:"


@functools.cache
def _fernet_for(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured("MADOGUCHI_FIELD_KEYS is empty: personal fields cannot be encrypted.")
    return MultiFernet([Fernet(k.encode() if isinstance(k, str) else k) for k in keys])


def fernet() -> MultiFernet:
    return _fernet_for(tuple(settings.MADOGUCHI_FIELD_KEYS))


def encrypt_str(value: str) -> str:
    return PREFIX + fernet().encrypt(value.encode("utf-8")).decode("ascii")


def decrypt_str(token: str) -> str:
    if not token.startswith(PREFIX):
        raise ValueError("value is not an encrypted madoguchi field")
    try:
        return fernet().decrypt(token[len(PREFIX) :].encode("ascii")).decode("utf-8")
    except InvalidToken as exc:
        raise ImproperlyConfigured(
            "暗号化された項目を復号できません。MADOGUCHI_FIELD_KEYS に以前の鍵が含まれているか確認してください。"
        ) from exc


def rotate_token(token: str) -> str:
    """Re-encrypt a stored token with the newest key."""
    return PREFIX + fernet().rotate(token[len(PREFIX) :].encode("ascii")).decode("ascii")


def lookup_hash(*parts: object) -> str:
    """HMAC-SHA256 (hex) of the normalised parts, for exact-match lookups (e.g. notice number + birth date)."""
    key = settings.MADOGUCHI_HASH_KEY
    if not key:
        raise ImproperlyConfigured("MADOGUCHI_HASH_KEY is not set.")
    normalized = "\x1f".join(
        p.isoformat() if isinstance(p, datetime.date) else normalize_key(str(p)) for p in parts
    )
    return hmac.new(key.encode(), normalized.encode("utf-8"), hashlib.sha256).hexdigest()


class EncryptedTextField(models.TextField):
    """A text value stored as a Fernet token. Cannot be filtered or ordered on: use a hash column."""

    description = "Encrypted text"

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> str | None:
        if value is None or value == "":
            return value
        return decrypt_str(value)

    def to_python(self, value: Any) -> str | None:
        if isinstance(value, str) and value.startswith(PREFIX):
            return decrypt_str(value)
        return value

    def get_prep_value(self, value: Any) -> str | None:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt_str(str(value))


class EncryptedDateField(models.TextField):
    """A date stored encrypted (ISO text inside the token); Python sees a datetime.date."""

    description = "Encrypted date"

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> datetime.date | None:
        if value is None or value == "":
            return None
        return datetime.date.fromisoformat(decrypt_str(value))

    def to_python(self, value: Any) -> datetime.date | None:
        if value is None or value == "" or isinstance(value, datetime.date):
            return value or None
        if isinstance(value, str) and value.startswith(PREFIX):
            return datetime.date.fromisoformat(decrypt_str(value))
        return datetime.date.fromisoformat(str(value))

    def get_prep_value(self, value: Any) -> str | None:
        value = self.to_python(value)
        if value is None:
            return None
        return encrypt_str(value.isoformat())

    def formfield(self, **kwargs: Any) -> Any:
        from django import forms

        return forms.DateField(**{"required": not self.blank, **kwargs})

"""The individual number (マイナンバー) must never be stored: find it in any free text and refuse it.

Rule: NFKC-normalise, then find every run of exactly 12 digits, optionally separated by single spaces
or hyphens (4-4-4 too), that is not part of a longer digit run (a 13-digit corporate number or a
23-digit application ID is allowed). Every such run is refused; a valid check digit (ministerial
ordinance: weights 6,5,4,3,2,7,6,5,4,3,2 on the first 11 digits, r = sum mod 11,
check = 0 if r <= 1 else 11 - r) only raises the confidence reported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible

from .text import nfkc

_SEP = r"[ \-‐‑‒–—―−ー]"
# 12 digits with optional single separators between them; not touching another digit or separator-digit.
_CANDIDATE = re.compile(rf"(?<![0-9])(?<![0-9]{_SEP})((?:[0-9]{_SEP}?){{11}}[0-9])(?!{_SEP}?[0-9])")

WEIGHTS = (6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2)

MESSAGE = (
    "個人番号（マイナンバー）と思われる12桁の数字が含まれています。"
    "マイナンバーは記録できません。該当の数字を削除してください。"
)


def check_digit(first_eleven: str) -> int:
    """Check digit of an individual number from its first 11 digits (left to right)."""
    total = sum(int(d) * w for d, w in zip(first_eleven, WEIGHTS, strict=True))
    r = total % 11
    return 0 if r <= 1 else 11 - r


@dataclass(frozen=True)
class Finding:
    start: int
    end: int
    digits: str
    check_digit_valid: bool

    @property
    def confidence(self) -> str:
        return "high" if self.check_digit_valid else "medium"


# An international Japanese phone number (+81 90-1234-5678, +81(0)3…) is a phone number: read it in domestic form.
_PLUS81 = re.compile(rf"\+{_SEP}?81{_SEP}?(?:\(0\){_SEP}?)?(?=[1-9])")
_PHONE_CHARS = re.compile(rf"[\s()（）{_SEP[1:-1]}]")


def phone_domestic(value: str) -> str:
    """A phone number in domestic digits: `+81 90-1234-5678`, `819012345678`, `090-1234-5678` → `09012345678`.
    Anything that is not a Japanese phone number comes back NFKC-normalised but otherwise unchanged."""
    text = nfkc(value or "").strip()
    digits = _PHONE_CHARS.sub("", text)
    if digits.startswith("+81") and digits[3:].isdigit():
        return "0" + digits[3:].removeprefix("0")
    if digits.startswith("81") and digits.isdigit() and len(digits) in (11, 12) and digits[2] != "0":
        return "0" + digits[2:]
    if digits.isdigit():
        return digits
    return text


def find_individual_numbers(text: str) -> list[Finding]:
    """Every 12-digit run in text that could be an individual number (positions in the NFKC text, after
    international phone prefixes are read in domestic form)."""
    if not text:
        return []
    normalized = _PLUS81.sub("0", nfkc(text))
    findings = []
    for match in _CANDIDATE.finditer(normalized):
        digits = re.sub(r"[^0-9]", "", match.group(1))
        if len(digits) != 12:
            continue
        findings.append(
            Finding(
                start=match.start(1),
                end=match.end(1),
                digits=digits,
                check_digit_valid=check_digit(digits[:11]) == int(digits[11]),
            )
        )
    return findings


def contains_individual_number(text: str | None) -> bool:
    return bool(text) and bool(find_individual_numbers(text or ""))


@deconstructible
class NoIndividualNumberValidator:
    """Form and model validator for every free-text field."""

    message = MESSAGE
    code = "individual_number"

    def __call__(self, value: Any) -> None:
        if value is None:
            return
        findings = find_individual_numbers(str(value))
        if findings:
            high = any(f.check_digit_valid for f in findings)
            extra = "（検査用数字も一致しています）" if high else ""
            raise ValidationError(self.message + extra, code=self.code, params={"high": high})

    def __eq__(self, other: object) -> bool:
        return isinstance(other, NoIndividualNumberValidator)


no_individual_number = NoIndividualNumberValidator()


def refuse_individual_number(value: str | None, *, field: str = "") -> None:
    """For services: raise a ValidationError naming the field."""
    try:
        no_individual_number(value)
    except ValidationError as exc:
        if field:
            raise ValidationError({field: exc.messages}) from None
        raise


# --- one guard for every stored text ------------------------------------------------------------------------
#
# `guard_instance` runs before every save of a madoguchi model (a pre_save receiver connected by accounts), and
# `QuerySet.bulk_create/bulk_update/update` go through it too (install_guards), so a new text field cannot forget
# the check. Fields holding hashes, keys, tokens and passwords are not text a person typed, and are skipped.
# Phone-like fields are read in domestic form first.

_EXEMPT_FIELD = re.compile(r"(hash|password|key|token|nonce|secret|digest|salt|session_data)$")
_PHONE_FIELD = re.compile(r"(phone|tel|caller|callee|number_from|number_to|^to$|^from$|^our_number$)")


class IndividualNumberRefused(ValidationError):
    """A ValidationError (code individual_number) naming the fields; carries no value."""


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (*_strings(k), *_strings(v))]
    if isinstance(value, list | tuple):
        return [s for item in value for s in _strings(item)]
    return []


# Values the application itself makes (a UUID, a hex digest) can contain 12 digits by chance: not typed text,
# whether whole or inside a path or link. A typed individual number (12 digits) never matches them.
_MACHINE = re.compile(
    r"[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}|[0-9a-f]{32,}"
)


def text_holds_individual_number(value: Any, *, phone: bool = False) -> bool:
    for text in _strings(value):
        # Machine-made tokens inside a text too (a storage path or link holding a job's UUID): blanked first.
        text = _MACHINE.sub(" ", text)
        if phone:
            text = phone_domestic(text)
        if find_individual_numbers(text):
            return True
    return False


def guarded_fields(model: type) -> list[Any]:
    from django.db import models

    fields = []
    for field in model._meta.concrete_fields:  # type: ignore[attr-defined]
        if not isinstance(field, models.CharField | models.TextField | models.JSONField):
            continue
        if _EXEMPT_FIELD.search(field.name) or getattr(field, "allow_individual_number", False):
            continue
        fields.append(field)
    return fields


def guard_instance(instance: Any, *, only: Any = None) -> None:
    """Raise IndividualNumberRefused naming every text field of `instance` that holds an individual number."""
    bad = []
    for field in guarded_fields(type(instance)):
        if only is not None and field.name not in only and field.attname not in only:
            continue
        value = getattr(instance, field.attname, None)
        if text_holds_individual_number(value, phone=bool(_PHONE_FIELD.search(field.name))):
            bad.append(str(field.verbose_name))
    if bad:
        raise IndividualNumberRefused(
            f"{'・'.join(bad)}: {MESSAGE}", code="individual_number", params={"fields": bad}
        )


def is_guarded_model(model: type) -> bool:
    meta = getattr(model, "_meta", None)
    return bool(meta and meta.app_config and meta.app_config.name.startswith("madoguchi."))


def _pre_save(
    sender: type, instance: Any, raw: bool = False, update_fields: Any = None, **kwargs: Any
) -> None:
    if raw or not is_guarded_model(sender):
        return
    guard_instance(instance, only=update_fields)


_installed = False


def install_guards() -> None:
    """Connect the pre_save guard and wrap the QuerySet bulk writes and forms' CharField (idempotent)."""
    global _installed
    if _installed:
        return
    _installed = True
    from django import forms
    from django.db.models import QuerySet
    from django.db.models.signals import pre_save

    pre_save.connect(_pre_save, dispatch_uid="madoguchi.privacy.pre_save")

    bulk_create, bulk_update, update = QuerySet.bulk_create, QuerySet.bulk_update, QuerySet.update

    def guarded_bulk_create(self: QuerySet, objs: Any, *args: Any, **kwargs: Any) -> Any:
        objs = list(objs)
        if is_guarded_model(self.model):
            for obj in objs:
                guard_instance(obj)
        return bulk_create(self, objs, *args, **kwargs)

    def guarded_bulk_update(self: QuerySet, objs: Any, fields: Any, *args: Any, **kwargs: Any) -> Any:
        objs = list(objs)
        if is_guarded_model(self.model):
            for obj in objs:
                guard_instance(obj, only=set(fields))
        return bulk_update(self, objs, fields, *args, **kwargs)

    def guarded_update(self: QuerySet, **kwargs: Any) -> Any:
        if is_guarded_model(self.model):
            by_name = {f.name: f for f in guarded_fields(self.model)} | {
                f.attname: f for f in guarded_fields(self.model)
            }
            bad = [
                str(by_name[name].verbose_name)
                for name, value in kwargs.items()
                if name in by_name
                and text_holds_individual_number(value, phone=bool(_PHONE_FIELD.search(by_name[name].name)))
            ]
            if bad:
                raise IndividualNumberRefused(f"{'・'.join(bad)}: {MESSAGE}", code="individual_number")
        return update(self, **kwargs)

    QuerySet.bulk_create = guarded_bulk_create  # type: ignore[method-assign]
    QuerySet.bulk_update = guarded_bulk_update  # type: ignore[method-assign]
    QuerySet.update = guarded_update  # type: ignore[method-assign]

    # Every CharField of every form (search boxes, import options, names, usernames …) refuses an individual
    # number when it is cleaned, with the field's own error place. Passwords are hashed, never stored, and hidden
    # fields carry tokens the application wrote: skipped (the save-time guard still covers what they feed).
    char_clean = forms.CharField.clean

    def guarded_clean(self: forms.CharField, value: Any) -> Any:
        value = char_clean(self, value)
        if (
            isinstance(value, str)
            and not isinstance(self.widget, forms.PasswordInput | forms.HiddenInput)
            and not getattr(self, "allow_individual_number", False)
        ):
            no_individual_number(value)
        return value

    forms.CharField.clean = guarded_clean  # type: ignore[method-assign,assignment]

"""Masked contact details and their audited reveal (docs/security.md, "Least privilege").

Who holds `accounts.view_full_contact` sees addresses and phone numbers as stored; everyone else (operators, floor
staff) sees them masked (`lib.masking`) with a 「表示」 button. Pressing it posts to one view, which checks the
permission the owning app registered, writes one audit row (action VIEW, detail `{"reveal": "<field>"}`: the field
name, never its value) and answers with the value.

The app that owns the data registers what may be revealed, in its AppConfig.ready():

    from madoguchi.accounts.reveal import reveal_register
    reveal_register(Card, fields=("address", "phone"), permission="cards.view_card")

`fields` are model attributes (encrypted text); each is masked as an address or a phone by `kind_of` (its name says
which). Nothing else can be revealed: the view answers 404 for anything unregistered.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models

from madoguchi.lib.masking import mask_address, mask_phone

FULL_CONTACT_PERMISSION = "accounts.view_full_contact"


@dataclass(frozen=True)
class Revealable:
    model: type[models.Model]
    fields: tuple[str, ...]
    permission: str


_REGISTRY: dict[str, Revealable] = {}


def reveal_register(model: type[models.Model], *, fields: tuple[str, ...], permission: str) -> None:
    """Let holders of `permission` reveal `fields` of `model` (idempotent; called from AppConfig.ready)."""
    for name in fields:
        kind_of(name)  # raises for a field that is neither an address nor a phone
    _REGISTRY[model._meta.label_lower] = Revealable(model=model, fields=tuple(fields), permission=permission)


def revealable(key: str) -> Revealable | None:
    return _REGISTRY.get(key)


def kind_of(field: str) -> str:
    """ "address" or "phone", from the field's name."""
    if "address" in field:
        return "address"
    if "phone" in field or "mobile" in field:
        return "phone"
    raise ValueError(f"{field}: only addresses and phone numbers are masked")


def masked(field: str, value: str) -> str:
    return mask_address(value) if kind_of(field) == "address" else mask_phone(value)


def reveal_dom_id(key: str, pk: object, field: str) -> str:
    """The id of the masked value's element, which the revealed value replaces (htmx)."""
    return f"reveal-{key.replace('.', '-')}-{pk}-{field}"


def field_label(obj: models.Model, field: str) -> str:
    """The field's Japanese name (住所, 電話番号 …) for labels; never its value."""
    return str(getattr(obj._meta.get_field(field), "verbose_name", field))

"""Reads other apps may use (typed, published): import these directly, never the views or URL names."""

from __future__ import annotations

from django.urls import reverse

from madoguchi.accounts.models import User

BOOK_PERMISSION = "reservations.book_reservation"


def operator_desk_url(user: User) -> str | None:
    """The operator's booking desk (find a card, book, change, cancel), or None for a user who may not book."""
    if not user.has_perm(BOOK_PERMISSION):
        return None
    return reverse("reservations:operator")

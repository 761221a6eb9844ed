"""The operator screen's links to the FAQ search and the reservations desk, through their published interfaces
(`faq.search.search`, `reservations.selectors.operator_desk_url`), imported directly."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

from madoguchi.accounts.models import User
from madoguchi.faq.privacy import check_query
from madoguchi.faq.services import search_logged
from madoguchi.reservations.selectors import operator_desk_url


@dataclass(frozen=True)
class FaqHit:
    id: int
    question: str
    answer: str  # the whole approved answer: the operator reads it without leaving the call
    category: str
    score: float | None
    is_sample: bool = False
    url: str | None = None
    log_id: int | None = None  # the FAQ search log row, for 「この回答で解決」


def reservation_url(user: User) -> str | None:
    """The reservations desk for an operator who may book, else None (the screen leaves the link out)."""
    return operator_desk_url(user)


def faq_page_url() -> str:
    return reverse("faq:search")


def faq_search(q: str, limit: int = 5, *, user: User | None = None) -> list[FaqHit]:
    """Ranked approved FAQ entries for what the operator typed (privacy-checked and logged by the FAQ app)."""
    outcome = search_logged(query=q, user=user, source="call", limit=limit)
    return [
        FaqHit(
            id=hit.entry_id,
            question=hit.question,
            answer=hit.answer or hit.excerpt,
            category=hit.category,
            score=hit.score,
            is_sample=hit.is_sample,
            url=reverse("faq:detail", args=[hit.entry_id]),
            log_id=outcome.log_id,
        )
        for hit in outcome.hits
    ]


def faq_query_note(q: str) -> str:
    """Why a query was refused or changed (an individual number, a phone number, symbols only), in Japanese."""
    return check_query(q).message if q.strip() else ""

"""Guarded links to the apps built beside this one: the FAQ search and the reservations operator flow.

Both may be absent (or not yet have the names looked up here); the operator screen then simply leaves
their part out instead of failing.
"""

from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass
from typing import Any

from django.urls import NoReverseMatch, reverse

logger = logging.getLogger(__name__)

# Tried in order; the first that resolves is used.
RESERVATION_URL_NAMES = (
    "reservations:operator",
    "reservations:desk",
    "reservations:operator_find",
    "reservations:find",
    "reservations:operator_start",
    "reservations:list",
)
FAQ_PAGE_URL_NAMES = ("faq:search", "faq:list")


@dataclass(frozen=True)
class FaqHit:
    id: Any
    question: str
    answer: str
    category: str
    score: float | None
    is_sample: bool = False
    url: str | None = None


def first_url(names: tuple[str, ...]) -> str | None:
    for name in names:
        try:
            return reverse(name)
        except NoReverseMatch:
            continue
    return None


def reservation_url(user: Any = None) -> str | None:
    """The reservations operator flow, if it exists and (given a user) the reservations app lets them in.

    The reservations app's own menu entry decides: if it declares one for this URL, the user must see it.
    """
    url = first_url(RESERVATION_URL_NAMES)
    if url is None or user is None:
        return url
    from django.apps import apps

    from madoguchi.accounts.context_processors import nav_for

    try:
        declared = {
            reverse(name) for _, name, _ in getattr(apps.get_app_config("reservations"), "nav_items", [])
        }
    except (LookupError, NoReverseMatch):
        declared = set()
    if url not in declared:
        return url
    allowed = {item["url"] for item in nav_for(user) if item.get("app") == "reservations"}
    return url if url in allowed else None


def faq_page_url() -> str | None:
    return first_url(FAQ_PAGE_URL_NAMES)


def _field(obj: Any, *names: str, default: Any = "") -> Any:
    for name in names:
        if isinstance(obj, dict) and name in obj:
            return obj[name]
        if not isinstance(obj, dict) and hasattr(obj, name):
            return getattr(obj, name)
    return default


def _hit(raw: Any) -> FaqHit:
    # A hit may be an entry, a (entry, score) pair, or an object/dict with `entry` and `score`.
    score = None
    entry = raw
    if isinstance(raw, tuple) and len(raw) == 2:
        entry, score = raw
    else:
        inner = _field(raw, "entry", default=None)
        if inner is not None:
            entry, score = inner, _field(raw, "score", default=None)
        else:
            score = _field(raw, "score", default=None)
    category = _field(entry, "category", default="")
    return FaqHit(
        id=_field(entry, "entry_id", "id", "pk", default=None),
        question=str(_field(entry, "question", default="")),
        answer=str(_field(entry, "answer", "excerpt", default="")),
        category=str(_field(category, "name", default=category) or ""),
        score=float(score) if isinstance(score, int | float) else None,
        is_sample=bool(_field(entry, "is_sample", default=False)),
    )


def _search_function() -> Any:
    try:
        module = importlib.import_module("madoguchi.faq.search")
    except ImportError:
        return None
    return getattr(module, "search", None)


def faq_available() -> bool:
    return _search_function() is not None


def _with_full_answers(hits: list[FaqHit]) -> list[FaqHit]:
    """The search gives an excerpt; the operator reads the whole approved answer (and may open the entry)."""
    ids = [h.id for h in hits if h.id is not None]
    answers: dict[Any, str] = {}
    try:
        from madoguchi.faq.models import FaqEntry

        answers = dict(FaqEntry.objects.filter(pk__in=ids).values_list("pk", "answer"))
    except Exception:  # the FAQ app's model may differ or be absent: keep the excerpts
        answers = {}
    result = []
    for h in hits:
        url = None
        if h.id is not None:
            try:
                url = reverse("faq:detail", args=[h.id])
            except NoReverseMatch:
                url = None
        result.append(
            FaqHit(h.id, h.question, answers.get(h.id, h.answer), h.category, h.score, h.is_sample, url)
        )
    return result


def faq_search(q: str, limit: int = 5) -> list[FaqHit] | None:
    """Ranked approved FAQ entries, or None when the FAQ search does not exist (yet)."""
    search = _search_function()
    if search is None:
        return None
    try:
        raw = search(q, limit)
        hits = [_hit(r) for r in list(raw)[:limit]]
    except Exception:  # the FAQ search failing must not take the call screen down with it
        logger.exception("faq search failed")
        return []
    return _with_full_answers(hits)

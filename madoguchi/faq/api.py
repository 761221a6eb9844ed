from __future__ import annotations

from ninja import Router, Schema
from ninja.errors import HttpError

from madoguchi.lib.privacy import contains_individual_number

from . import search

router = Router(tags=["faq"])


class HitOut(Schema):
    id: int
    question: str
    score: float
    category: str
    excerpt: str
    sample: bool


@router.get("/faq/search", response=list[HitOut], summary="質疑応答の検索（承認済みのみ、順位付き）")
def faq_search(request, q: str = "", limit: int = 10):
    """Ranked approved FAQ entries for the operator screen and integrations (session auth)."""
    if not request.user.has_perm("faq.view_faqentry"):
        raise HttpError(403, "質疑応答集を閲覧する権限がありません。")
    if not 1 <= limit <= 50:
        raise HttpError(400, "limit は 1〜50 で指定してください。")
    if contains_individual_number(q):
        raise HttpError(400, "個人番号（マイナンバー）と思われる12桁の数字では検索できません。")
    if len(q) > 200:
        raise HttpError(400, "検索語は200文字以内にしてください。")
    return [
        HitOut(
            id=h.entry_id,
            question=h.question,
            score=h.score,
            category=h.category,
            excerpt=h.excerpt,
            sample=h.is_sample,
        )
        for h in search.search(q, limit)
    ]


class SearchIn(Schema):
    q: str
    limit: int = 10


@router.post(
    "/faq/search", response=list[HitOut], summary="質疑応答の検索（POST。検索語は記録されるが個人情報は除く）"
)
def faq_search_post(request, payload: SearchIn):
    """The same search by POST, for integrations that may send what a caller said: the query never appears in a
    URL or an access log; an individual number is refused, phones and names are left out of search and log."""
    from .privacy import check_query
    from .services import search_logged

    if not request.user.has_perm("faq.view_faqentry"):
        raise HttpError(403, "質疑応答集を閲覧する権限がありません。")
    if not 1 <= payload.limit <= 50:
        raise HttpError(400, "limit は 1〜50 で指定してください。")
    checked = check_query(payload.q)
    if not checked.query:
        raise HttpError(400, checked.message)
    outcome = search_logged(query=payload.q, user=request.user, source="api", limit=payload.limit)
    return [
        HitOut(
            id=h.entry_id,
            question=h.question,
            score=h.score,
            category=h.category,
            excerpt=h.excerpt,
            sample=h.is_sample,
        )
        for h in outcome.hits
    ]

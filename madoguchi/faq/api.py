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
def faq_search(request, q: str = "", limit: int = 10):  # type: ignore[no-untyped-def]
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

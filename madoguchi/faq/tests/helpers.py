from __future__ import annotations

from madoguchi.faq import services
from madoguchi.faq.models import FaqEntry


def approved(by, category: str, question: str, answer: str, keywords: str = "", **kw) -> FaqEntry:  # type: ignore[no-untyped-def]
    """An approved entry, made the way it is in production: draft, submit, approve."""
    from madoguchi.accounts.models import User

    writer = User.objects.get(username="daichi")
    approver = User.objects.get(username="fumio")
    entry = services.entry_create(
        by=writer, category=category, question=question, answer=answer, keywords=keywords, **kw
    )
    services.entry_transition(entry=entry, by=writer, action="submit")
    return services.entry_transition(entry=entry, by=approver, action="approve")

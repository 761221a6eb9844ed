from __future__ import annotations

from madoguchi.faq import services
from madoguchi.faq.models import FaqEntry


def approved(
    by, category: str, question: str, answer: str, keywords: str = "", is_sample: bool = False
) -> FaqEntry:  # type: ignore[no-untyped-def]
    """An approved entry, made the way it is in production: draft, submit, approve. With is_sample, it is
    then marked as a sample the way demo data and imported drafts are (approval itself clears the mark)."""
    from madoguchi.accounts.models import User

    writer = User.objects.get(username="daichi")
    approver = User.objects.get(username="fumio")
    entry = services.entry_create(
        by=writer, category=category, question=question, answer=answer, keywords=keywords
    )
    services.entry_transition(entry=entry, by=writer, action="submit")
    entry = services.entry_transition(entry=entry, by=approver, action="approve")
    if is_sample:
        FaqEntry.objects.filter(pk=entry.pk).update(is_sample=True)
        services.bump_search_stamp()
        entry.refresh_from_db()
    return entry

"""Character-level diffs of FAQ revisions (Japanese has no spaces, so word or line diffs say little)."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from .models import FaqRevision

FIELDS = [("category", "分類"), ("question", "質問"), ("answer", "回答"), ("keywords", "キーワード")]


@dataclass
class FieldDiff:
    name: str
    label: str
    changed: bool
    segments: list[tuple[str, str]]  # (equal|insert|delete, text)


def diff_text(old: str, new: str) -> list[tuple[str, str]]:
    segments: list[tuple[str, str]] = []
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            segments.append(("equal", old[i1:i2]))
        if op in ("delete", "replace"):
            segments.append(("delete", old[i1:i2]))
        if op in ("insert", "replace"):
            segments.append(("insert", new[j1:j2]))
    return segments


def diff_revisions(old: FaqRevision | None, new: FaqRevision) -> list[FieldDiff]:
    result = []
    for name, label in FIELDS:
        before = getattr(old, name) if old else ""
        after = getattr(new, name)
        result.append(FieldDiff(name, label, before != after, diff_text(before, after)))
    return result

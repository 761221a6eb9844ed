"""The evaluation sets in madoguchi/faq/eval/<name>/ (collection.csv + queries.csv), loaded as the search sees them."""

from __future__ import annotations

import csv
from pathlib import Path

from madoguchi.faq import search

EVAL = Path(search.__file__).resolve().parent / "eval"


def eval_index(name: str) -> search.Index:
    """The set's collection as an in-memory search index (no database)."""
    rows = []
    with (EVAL / name / "collection.csv").open(encoding="utf-8-sig") as f:
        for i, r in enumerate(csv.DictReader(f), start=1):
            rows.append(
                {
                    "id": i,
                    "slug": r["識別キー"],
                    "question": r["質問"],
                    "answer": r["回答"],
                    "keywords": r["キーワード"],
                    "category": r["分類"],
                    "is_sample": False,
                    "search_terms": search.entry_terms(
                        question=r["質問"], answer=r["回答"], keywords=r["キーワード"], category=r["分類"]
                    ),
                }
            )
    return search.build_index(1, rows, [])


def eval_queries(name: str) -> list[dict[str, str]]:
    with (EVAL / name / "queries.csv").open(encoding="utf-8-sig") as f:
        return list(csv.DictReader(f))


def top1_top3(index: search.Index, queries: list[dict[str, str]]) -> tuple[float, float]:
    """Share of queries whose expected entry is ranked first, and among the first three."""
    top1 = top3 = 0
    for q in queries:
        slugs = [index.docs[d].slug for d, _s in search.rank(index, q["query"], 3)]
        top1 += bool(slugs) and slugs[0] == q["expected_key"]
        top3 += q["expected_key"] in slugs
    return top1 / len(queries), top3 / len(queries)

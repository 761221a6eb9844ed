"""The blind2 set (eval/blind2/: a third city collection of 44 entries and 160 phrasings, written before the
paraphrase lists or any other evaluation set were read) stays above a floor; docs/faq.md has the figures."""

from __future__ import annotations

import csv
from pathlib import Path

from django.test import SimpleTestCase

from madoguchi.faq import search

BLIND2 = Path(search.__file__).resolve().parent / "eval" / "blind2"


def _index() -> search.Index:
    rows = []
    with (BLIND2 / "collection.csv").open(encoding="utf-8-sig") as f:
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


def _queries() -> list[dict[str, str]]:
    with (BLIND2 / "queries.csv").open(encoding="utf-8-sig") as f:
        return list(csv.DictReader(f))


class Blind2SetTests(SimpleTestCase):
    def test_the_blind2_set_is_varied_and_points_at_real_entries(self):
        index = _index()
        queries = _queries()
        self.assertGreaterEqual(len(index.docs), 40)
        self.assertGreaterEqual(len(queries), 150)
        self.assertEqual({q["expected_key"] for q in queries}, {d.slug for d in index.docs})
        self.assertEqual(
            {q["style"] for q in queries}, {"keywords", "spoken", "spelling", "typo", "indirect"}
        )
        self.assertGreaterEqual(sum(q["style"] == "indirect" for q in queries), 60)

    def test_phrasings_of_a_third_city_find_their_entry_above_the_floor(self):
        index = _index()
        queries = _queries()
        top1 = top3 = 0
        for q in queries:
            slugs = [index.docs[d].slug for d, _s in search.rank(index, q["query"], 3)]
            top1 += bool(slugs) and slugs[0] == q["expected_key"]
            top3 += q["expected_key"] in slugs
        # Measured 81.2 % / 93.8 % blind (before this round's changes), now about 82 % / 95 % (docs/faq.md);
        # the floor catches regressions, not noise.
        self.assertGreaterEqual(top1 / len(queries), 0.80)
        self.assertGreaterEqual(top3 / len(queries), 0.93)

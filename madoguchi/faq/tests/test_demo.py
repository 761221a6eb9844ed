from __future__ import annotations

import json
from pathlib import Path

from madoguchi.accounts.testing import BaseTestCase
from madoguchi.faq import demo, search
from madoguchi.faq.models import STANDARD_CATEGORIES, FaqEntry

EVAL = Path(demo.__file__).resolve().parent / "eval" / "queries.jsonl"


class DemoContentTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        search.clear_cache()
        cls.message = demo.load()

    def test_the_demo_loads_at_least_60_sample_entries_once(self):
        entries = FaqEntry.objects.all()
        self.assertGreaterEqual(entries.count(), 60)
        self.assertFalse(entries.exclude(is_sample=True).exists())
        self.assertFalse(entries.exclude(state="approved").exists())
        self.assertEqual(demo.load(), "")
        self.assertEqual(FaqEntry.objects.count(), entries.count())

    def test_every_spec_topic_has_entries(self):
        used = set(FaqEntry.objects.values_list("category", flat=True))
        self.assertEqual(set(STANDARD_CATEGORIES), used)

    def test_the_evaluation_set_is_large_varied_and_points_at_real_entries(self):
        items = [json.loads(line) for line in EVAL.read_text(encoding="utf-8").splitlines() if line.strip()]
        self.assertGreaterEqual(len(items), 100)
        self.assertEqual({i["style"] for i in items}, {"keyword", "spoken", "variant", "typo", "indirect"})
        slugs = set(FaqEntry.objects.values_list("slug", flat=True))
        for item in items:
            self.assertTrue(set(item["expected"]) <= slugs, item)

    def test_search_quality_on_the_evaluation_set_stays_above_the_floor(self):
        # The measured figures are in docs/faq.md; this guards against regressions (top-3 at least 85 %).
        items = [json.loads(line) for line in EVAL.read_text(encoding="utf-8").splitlines() if line.strip()]
        slug = dict(FaqEntry.objects.values_list("id", "slug"))
        found = sum(
            bool(set(i["expected"]) & {slug[h.entry_id] for h in search.search(i["query"], 3)}) for i in items
        )
        self.assertGreaterEqual(found / len(items), 0.85)

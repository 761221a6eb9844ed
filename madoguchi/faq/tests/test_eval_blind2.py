"""The blind2 set (eval/blind2/: a third city collection of 44 entries and 160 phrasings, written before the
paraphrase lists or any other evaluation set were read) stays above a floor; docs/faq.md has the figures."""

from __future__ import annotations

from django.test import SimpleTestCase

from .eval_sets import eval_index, eval_queries, top1_top3


class Blind2SetTests(SimpleTestCase):
    def test_the_blind2_set_is_varied_and_points_at_real_entries(self):
        index = eval_index("blind2")
        queries = eval_queries("blind2")
        self.assertGreaterEqual(len(index.docs), 40)
        self.assertGreaterEqual(len(queries), 150)
        self.assertEqual({q["expected_key"] for q in queries}, {d.slug for d in index.docs})
        self.assertEqual(
            {q["style"] for q in queries}, {"keywords", "spoken", "spelling", "typo", "indirect"}
        )
        self.assertGreaterEqual(sum(q["style"] == "indirect" for q in queries), 60)

    def test_phrasings_of_a_third_city_find_their_entry_above_the_floor(self):
        top1, top3 = top1_top3(eval_index("blind2"), eval_queries("blind2"))
        # Measured 81.2 % / 93.8 % blind (before this round's changes), now about 82 % / 95 % (docs/faq.md);
        # the floor catches regressions, not noise.
        self.assertGreaterEqual(top1, 0.80)
        self.assertGreaterEqual(top3, 0.93)

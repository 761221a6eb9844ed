from __future__ import annotations

from django.test import SimpleTestCase

from madoguchi.accounts.testing import BaseTestCase
from madoguchi.faq import search, services
from madoguchi.faq.models import FaqEntry

from .helpers import approved


def _index(
    entries: list[tuple[str, str, str]], synonyms: list[tuple[str, list[str]]] | None = None
) -> search.Index:
    rows = []
    for i, (question, answer, keywords) in enumerate(entries, start=1):
        rows.append(
            {
                "id": i,
                "slug": f"e{i}",
                "question": question,
                "answer": answer,
                "keywords": keywords,
                "category": "テスト",
                "is_sample": False,
                "search_terms": search.entry_terms(
                    question=question, answer=answer, keywords=keywords, category="テスト"
                ),
            }
        )
    return search.build_index(1, rows, synonyms or [])


def _top(index: search.Index, query: str) -> int | None:
    ranked = search.rank(index, query, 3)
    return index.docs[ranked[0][0]].id if ranked else None


ENTRIES = [
    ("カードの受取の予約方法", "交付通知書が届いたら電話で受取の予約をしてください。", ""),
    ("暗証番号を忘れたとき", "窓口で暗証番号を再設定します。", ""),
    ("マイナンバーカードを紛失したとき", "フリーダイヤルで一時停止し、警察に届けてください。", ""),
    ("健康保険証の利用登録", "マイナポータルで健康保険証の利用登録ができます。", ""),
    ("電子証明書の更新", "有効期限が近づいたら窓口で更新します。", ""),
    ("海外に引っ越すとき", "国外転出届と一緒に手続をします。", ""),
]


class AnalysisTests(SimpleTestCase):
    def test_okurigana_variants_share_a_normalised_word(self):
        self.assertTrue(set(search.analyze("受け取り").words) & set(search.analyze("受取").words))

    def test_hiragana_meets_kanji_through_the_reading(self):
        self.assertIn("うけとり", search.analyze("受取").readings)
        self.assertIn(
            "うけとり", search.field_terms("うけとり") and [t[2:] for t in search.field_terms("うけとり")]
        )

    def test_half_width_katakana_is_folded_to_the_same_terms(self):
        self.assertEqual(search.field_terms("ﾏｲﾅﾝﾊﾞｰ"), search.field_terms("マイナンバー"))

    def test_particles_and_filler_words_are_not_terms(self):
        words = search.analyze("予約をしたいんですけど").words
        self.assertIn("予約", words)
        self.assertNotIn("を", words)
        self.assertNotIn("する", words)

    def test_compounds_also_yield_their_short_unit_parts(self):
        words = search.analyze("電子証明書").words
        self.assertIn("電子証明書", words)
        self.assertIn("証明", words)


class RankingTests(SimpleTestCase):
    def setUp(self):
        self.index = _index(ENTRIES)

    def test_spelling_variants_find_the_same_entry(self):
        for query in ("受取予約", "受け取り予約", "うけとり よやく", "ウケトリの予約"):
            with self.subTest(query=query):
                self.assertEqual(_top(self.index, query), 1)

    def test_one_and_two_character_queries_find_entries(self):
        self.assertEqual(_top(self.index, "暗証"), 2)
        self.assertEqual(_top(self.index, "予約"), 1)
        self.assertEqual(_top(self.index, "暗"), 2)

    def test_a_typo_still_finds_the_entry_through_bigrams(self):
        self.assertEqual(_top(self.index, "電子証明証の更新"), 5)
        self.assertEqual(_top(self.index, "暗唱番号"), 2)
        self.assertEqual(_top(self.index, "あんしょうばんご"), 2)

    def test_synonyms_bridge_spoken_words_to_the_entry_words(self):
        plain = _index(ENTRIES)
        self.assertNotEqual(_top(plain, "合言葉"), 2)
        with_synonyms = _index(ENTRIES, [("合言葉", ["暗証番号"]), ("消えちゃった", ["紛失"])])
        self.assertEqual(_top(with_synonyms, "合言葉"), 2)
        self.assertEqual(_top(with_synonyms, "カードが消えちゃった"), 3)

    def test_a_synonym_matches_conjugated_forms_of_its_term(self):
        index = _index(ENTRIES, [("消す", ["紛失"])])
        self.assertEqual(_top(index, "カード消しました"), 3)

    def test_a_term_in_the_question_outranks_the_same_term_only_in_an_answer(self):
        index = _index(
            [
                ("暗証番号の変更", "窓口で変更できます。", ""),
                ("カードの更新", "更新には暗証番号が必要です。", ""),
            ]
        )
        self.assertEqual(_top(index, "暗証番号"), 1)

    def test_rarer_terms_weigh_more_than_common_ones(self):
        index = _index(
            [
                ("カードの申請", "カードを申請します。", ""),
                ("カードの受取", "カードを受け取ります。", ""),
                ("カードの転出", "国外転出のときのカード。", ""),
            ]
        )
        self.assertEqual(_top(index, "カード 転出"), 3)

    def test_an_empty_query_or_no_match_gives_nothing(self):
        self.assertEqual(search.rank(self.index, "", 5), [])
        self.assertEqual(search.rank(self.index, "　", 5), [])
        self.assertEqual(search.rank(self.index, "xyzzy", 5), [])

    def test_ties_are_broken_by_entry_id(self):
        index = _index([("同じ質問", "同じ回答", ""), ("同じ質問", "同じ回答", "")])
        ranked = search.rank(index, "同じ質問", 5)
        self.assertEqual([index.docs[d].id for d, _ in ranked], [1, 2])
        self.assertEqual(ranked[0][1], ranked[1][1])

    def test_excerpt_centres_on_a_query_word_in_a_long_answer(self):
        answer = "あ" * 200 + "受取場所は本庁です。" + "い" * 200
        text = search.excerpt(answer, "受取場所")
        self.assertIn("受取場所", text)
        self.assertTrue(text.startswith("…"))


class SearchServiceTests(BaseTestCase):
    def setUp(self):
        search.clear_cache()

    def test_only_approved_entries_are_found(self):
        entry = approved(self.site_manager, "暗証番号", "暗証番号を忘れた", "窓口で再設定します。")
        draft = services.entry_create(
            by=self.site_manager,
            category="暗証番号",
            question="暗証番号のロック",
            answer="窓口で解除します。",
        )
        ids = [h.entry_id for h in search.search("暗証番号")]
        self.assertIn(entry.pk, ids)
        self.assertNotIn(draft.pk, ids)

    def test_the_cached_index_follows_the_stamp_when_entries_change(self):
        entry = approved(self.site_manager, "暗証番号", "暗証番号を忘れた", "窓口で再設定します。")
        self.assertEqual([h.entry_id for h in search.search("暗証番号")], [entry.pk])
        services.entry_transition(entry=entry, by=self.city_staff, action="retire")
        self.assertEqual(search.search("暗証番号"), [])

    def test_another_process_sees_a_change_by_the_stamp_alone(self):
        entry = approved(self.site_manager, "受取予約", "受取の予約", "電話で予約します。")
        first = search.get_index()
        self.assertEqual(first.size, 1)
        # Simulate another server writing: the row changes and the stamp moves; this process never saw the write.
        FaqEntry.objects.filter(pk=entry.pk).update(state=FaqEntry.State.RETIRED)
        self.assertIs(search.get_index(), first)  # same stamp: the cache is trusted
        services.bump_search_stamp()
        self.assertEqual(search.get_index().size, 0)

    def test_the_index_is_built_from_stored_terms_without_tokenising(self):
        entry = approved(self.site_manager, "カード", "カードの受取", "本庁で受け取ります。")
        # Overwrite stored terms with a marker term: the index must use what is stored.
        terms = dict(entry.search_terms)
        terms["q"] = terms["q"] | {f"w:{w}": 1 for w in search.analyze("合言葉").words}
        FaqEntry.objects.filter(pk=entry.pk).update(search_terms=terms)
        services.bump_search_stamp()
        self.assertEqual([h.entry_id for h in search.search("合言葉")], [entry.pk])

    def test_entries_stored_by_an_older_analyser_are_reanalysed_once(self):
        entry = approved(self.site_manager, "カード", "カードの受取", "本庁で受け取ります。")
        FaqEntry.objects.filter(pk=entry.pk).update(search_terms={"analyzer": 0, "q": {}})
        services.bump_search_stamp()
        self.assertEqual([h.entry_id for h in search.search("受取")], [entry.pk])
        entry.refresh_from_db()
        self.assertEqual(entry.search_terms["analyzer"], search.ANALYZER_VERSION)

    def test_synonym_changes_reach_search_at_once(self):
        entry = approved(self.site_manager, "紛失・停止", "カードを紛失したとき", "一時停止してください。")
        self.assertNotIn(entry.pk, [h.entry_id for h in search.search("ロスト")])
        services.synonym_save(by=self.site_manager, term="ロスト", expansions="紛失")
        self.assertEqual(search.search("ロスト")[0].entry_id, entry.pk)

    def test_hits_carry_id_question_excerpt_score_and_the_sample_flag(self):
        entry = approved(self.site_manager, "カード", "カードの受取", "本庁で受け取ります。", is_sample=True)
        hit = search.search("受取")[0]
        self.assertEqual((hit.entry_id, hit.question), (entry.pk, "カードの受取"))
        self.assertIn("本庁", hit.excerpt)
        self.assertGreater(hit.score, 0)
        self.assertTrue(hit.is_sample)

    def test_limit_caps_the_number_of_hits(self):
        for i in range(5):
            approved(self.site_manager, "受取予約", f"受取の予約 その{i}", "電話で予約します。")
        self.assertEqual(len(search.search("予約", limit=3)), 3)


class StampCheckTests(SimpleTestCase):
    """The stamp costs a database round trip; outside a transaction a process reads it at most once a second,
    and a write in this process makes the next search read it at once."""

    def setUp(self):
        from unittest import mock

        self.stamp = 1
        self.reads = 0
        self.now = 1000.0

        def read() -> int:
            self.reads += 1
            return self.stamp

        patches = [
            mock.patch.object(search, "current_stamp", side_effect=read),
            mock.patch.object(search, "load_index", side_effect=lambda s: search.build_index(s, [], [])),
            mock.patch.object(search.time, "monotonic", side_effect=lambda: self.now),
        ]
        for p in patches:
            p.start()
            self.addCleanup(p.stop)
        search.clear_cache()
        self.addCleanup(search.clear_cache)

    def test_searches_within_a_second_read_the_stamp_once(self):
        first = search.get_index()
        self.now += 0.5
        self.assertIs(search.get_index(), first)
        self.assertEqual(self.reads, 1)

    def test_another_servers_change_is_seen_after_the_check_interval(self):
        first = search.get_index()
        self.stamp = 2  # another process bumped the stamp; this one was not told
        self.now += 0.5
        self.assertIs(search.get_index(), first)
        self.now += search.STAMP_CHECK_SECONDS
        self.assertEqual(search.get_index().stamp, 2)

    def test_a_change_in_this_process_is_seen_by_the_next_search(self):
        search.get_index()
        self.stamp = 2
        search.stamp_moved()  # what services.bump_search_stamp does
        self.assertEqual(search.get_index().stamp, 2)
        self.assertEqual(self.reads, 2)

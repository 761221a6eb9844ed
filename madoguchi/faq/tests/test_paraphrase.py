"""The paraphrase layer shipped with the product: the curated colloquial list, the Sudachi synonym groups,
kana matched against readings, negation and obligation, helper verbs — on small hand-built collections."""

from __future__ import annotations

from django.test import SimpleTestCase

from madoguchi.faq import search

from .test_search import _index, _top

CITY = [
    ("個人番号カードを紛失した場合の手続", "一時停止の連絡をして、警察に遺失届を出してください。", ""),
    ("代理人による受取", "本人が来庁できないときは委任状を持った代理人が受け取れます。", ""),
    ("暗証番号の再設定", "暗証番号を失念した場合は窓口で再設定します。", ""),
    ("スマートフォンからの申請", "オンラインで交付申請ができます。", ""),
    ("申請は義務ですか", "カードの取得は任意です。", ""),
    ("転居したときのカードの記載事項変更", "転居届と同時に券面の住所を変更します。", ""),
]


def _fired(query: str) -> set[str]:
    index = _index(CITY)
    return {r.term for r in search.matching_rules(index, query)}


class ShippedListTests(SimpleTestCase):
    def test_every_shipped_rule_has_a_trigger_signature_and_expansions(self):
        for rule in search.shipped_rules():
            with self.subTest(rule=rule.term):
                self.assertTrue(rule.signature, "trigger analyses to no words")
                self.assertTrue(rule.expansions)

    def test_everyday_words_meet_the_official_words_of_a_collection_without_any_table(self):
        index = _index(CITY)
        self.assertEqual(_top(index, "カードを落としちゃった"), 1)
        self.assertEqual(_top(index, "パスワードを忘れた"), 3)
        self.assertEqual(_top(index, "引っ越したのでカードの住所を変えたい"), 6)

    def test_a_negated_verb_of_intent_maps_to_the_procedure_it_asks_for(self):
        index = _index(CITY)
        self.assertEqual(_top(index, "本人が行けないんですけど"), 2)
        self.assertIn("行ける+ない", _fired("行けない"))
        self.assertNotIn("行ける+ない", _fired("窓口に行けばいいですか"))

    def test_an_obligation_is_not_read_as_being_unable_to_go(self):
        self.assertNotIn("行ける+ない", _fired("カードは作らないといけないの"))
        self.assertIn("ないといけない", _fired("カードは作らないといけないの"))
        self.assertEqual(_top(_index(CITY), "カードは作らないといけないの"), 5)

    def test_plain_procedural_queries_fire_no_colloquial_rule(self):
        # Over-matching guard: queries already in official words must not be rewritten.
        for query in [
            "電子証明書の有効期限",
            "交付申請書の書き方",
            "暗証番号の再設定",
            "国外転出届",
            "委任状の様式",
        ]:
            with self.subTest(query=query):
                fired = {r.term for r in search.matching_rules(_index(CITY), query)} - {"更新"}
                self.assertEqual(fired, set())


class SituationTests(SimpleTestCase):
    """A caller describes a situation without any word of the procedure (「財布ごと落とした」)."""

    def test_a_situation_reaches_the_procedure_it_calls_for(self):
        index = _index(CITY)
        self.assertEqual(_top(index, "財布ごと落とした"), 1)
        self.assertEqual(_top(index, "母が寝たきりで役所に来られない"), 2)
        self.assertEqual(_top(index, "ネットで申し込みたい"), 4)
        self.assertEqual(_top(index, "パスワードが思い出せない"), 3)

    def test_not_yet_is_told_apart_from_cannot(self):
        # 「まだ取りに行っていない」 has not gone yet; 「行けない」 cannot go (→ 代理人).
        self.assertNotIn("行ける+ない", _fired("まだ取りに行っていない"))
        self.assertNotIn("行ける+ない", _fired("取りに行ってない"))
        self.assertIn("行く+未", {w for t in ["まだ取りに行っていない"] for w in search.signature(t)})
        self.assertIn("届く+未", search.signature("はがきがまだ届いていない"))
        self.assertIn("行ける+ない", _fired("本人が行けない"))

    def test_has_not_come_is_not_cannot_come(self):
        self.assertNotIn("来られる+ない", _fired("はがきがまだ来ない"))
        self.assertIn("来られる+ない", _fired("本人が来られない"))
        self.assertIn("来れる+ない", _fired("本人が来れない"))

    def test_a_helper_verb_keeps_its_meaning_in_a_rule(self):
        # 出てくる (turn up → 発見) is not 出る (leave → 国外転出); 持っていく is not 持っていない.
        self.assertIn("出てくる", _fired("なくしたカードが出てきた"))
        self.assertNotIn("出てくる", _fired("日本を出るときカードはどうなる"))
        self.assertNotIn("持っていく", _fired("カードを持っていない"))

    def test_a_negated_light_verb_negates_its_noun(self):
        self.assertIn("反応+ない", search.signature("カードが反応しない"))

    def test_a_rule_is_another_way_to_say_its_word_not_a_second_concept(self):
        concepts = search.query_concepts(_index(CITY), "カードをなくした")
        labels = [c.label for c in concepts if not c.label.startswith(("g:", "y:"))]
        self.assertNotIn(True, ["→" in label for label in labels], labels)
        lost = next(c for c in concepts if c.label == "なくす")
        self.assertIn("w:紛失", [t for alt in lost.alternatives for t, _w in alt])


class SudachiSynonymTests(SimpleTestCase):
    def test_the_shipped_groups_bridge_an_abbreviation_to_the_full_word(self):
        self.assertIn("すまーとふぉん", dict(search.sudachi_synonyms()["すまほ"]))
        self.assertEqual(_top(_index(CITY), "スマホで申し込みたい"), 4)

    def test_a_spelling_of_the_same_word_weighs_more_than_a_near_synonym(self):
        table = search.sudachi_synonyms()
        factors = {f for group in table.values() for _w, f in group}
        self.assertEqual(factors, {search.SAME_WORD_FACTOR, search.NEAR_SYNONYM_FACTOR})


class KanaTests(SimpleTestCase):
    def test_an_all_kana_query_is_matched_against_the_readings_of_indexed_words(self):
        index = _index(CITY)
        self.assertEqual(_top(index, "あんしょうばんごう"), 3)
        self.assertEqual(_top(index, "だいりにん"), 2)
        self.assertEqual(_top(index, "てんきょ"), 6)

    def test_a_kana_run_inside_a_mixed_query_is_segmented_by_readings(self):
        concepts = search.query_concepts(_index(CITY), "カードをふんしつした")
        self.assertIn("ふんしつ", [c.label for c in concepts])

    def test_a_wrong_kanji_conversion_finds_the_word_one_character_away(self):
        index = _index(CITY)
        self.assertEqual(_top(index, "代利人"), 2)
        self.assertEqual(_top(index, "暗唱番号"), 3)
        self.assertIn("~代利人", [c.label for c in search.query_concepts(index, "代利人")])

    def test_two_real_words_are_not_read_as_a_typo(self):
        labels = [c.label for c in search.query_concepts(_index(CITY), "暗証番号 再設定")]
        self.assertFalse([label for label in labels if label.startswith("~")])

    def test_one_and_two_character_queries_still_work(self):
        index = _index(CITY)
        self.assertEqual(_top(index, "暗"), 3)
        self.assertEqual(_top(index, "転居"), 6)


class RankingTests(SimpleTestCase):
    def test_a_compound_and_its_parts_count_once(self):
        index = _index(
            [
                ("電子証明書の更新", "窓口で手続します。", ""),
                ("電子申請と証明書の取得", "証明書はコンビニでも取れます。電子申請もできます。", ""),
            ]
        )
        self.assertEqual(_top(index, "電子証明書"), 1)

    def test_a_word_only_in_an_answer_weighs_less_than_in_a_question(self):
        index = _index(
            [
                ("カードの受取", "受取には暗証番号の入力が必要です。", ""),
                ("暗証番号の変更", "窓口で手続します。", ""),
            ]
        )
        self.assertEqual(_top(index, "暗証番号"), 2)

    def test_spoken_helper_verbs_after_a_te_form_are_not_search_words(self):
        words = [t.norm for t in search.query_tokens("予約してもらえますか") if not t.stop]
        self.assertEqual(words, ["予約"])
        words = [t.norm for t in search.query_tokens("カードをなくしてしまった") if not t.stop]
        self.assertNotIn("仕舞う", words)


class ManualDateTests(SimpleTestCase):
    def test_the_manual_prints_tokyo_time_in_the_japanese_era(self):
        import datetime

        from madoguchi.faq.manual import printed_label

        utc = datetime.datetime(2026, 11, 29, 16, 30, tzinfo=datetime.UTC)  # 01:30 the next day in Tokyo
        self.assertEqual(printed_label(utc), "令和8年11月30日 01:30")

"""The operations loop: a privacy-safe search log, 「この回答で解決」 from the call screen, the editor's list of
searches that found nothing with one-click fixes, and monthly usage for the report."""

from __future__ import annotations

import datetime

from django.test import SimpleTestCase
from hypothesis import given, settings
from hypothesis import strategies as st

from madoguchi.accounts.testing import BaseTestCase
from madoguchi.faq import search, selectors, services
from madoguchi.faq.models import FaqEntry, SearchLog
from madoguchi.faq.privacy import check_query

from .helpers import approved


class QueryPrivacyTests(SimpleTestCase):
    def test_an_individual_number_refuses_the_whole_query(self):
        checked = check_query("123456789018 のカード")
        self.assertEqual((checked.query, checked.logged), ("", ""))
        self.assertIn("個人番号", checked.message)

    def test_phone_numbers_mail_and_names_are_left_out_of_search_and_log(self):
        checked = check_query("山田太郎さん 090-1234-5678 taro@example.jp 受取予約")
        self.assertNotIn("090", checked.logged)
        self.assertNotIn("山田", checked.logged)
        self.assertNotIn("taro", checked.logged)
        self.assertIn("〔電話番号〕", checked.logged)
        self.assertNotIn("〔", checked.query)
        self.assertIn("受取予約", checked.query)

    def test_empty_symbol_only_and_huge_queries_get_a_japanese_message(self):
        self.assertEqual(check_query("  ").message, "検索する言葉を入力してください。")
        self.assertIn("記号だけ", check_query("？！…").message)
        huge = check_query("暗証番号" * 2500)
        self.assertEqual(len(huge.query), 200)
        self.assertIn("先頭の200文字", huge.message)

    @settings(max_examples=60, deadline=None)
    @given(st.text(max_size=300))
    def test_no_query_ever_logs_an_individual_number(self, text):
        from madoguchi.lib.privacy import contains_individual_number

        self.assertFalse(contains_individual_number(check_query(text).logged))


class SearchLogTests(BaseTestCase):
    def setUp(self):
        super().setUp()
        search.clear_cache()  # the per-process index outlives each test's rolled-back database
        self.pin = approved(self.site_manager, "暗証番号", "暗証番号を忘れた", "窓口で再設定します。")

    def test_search_as_you_type_is_one_log_row(self):
        for typed in ["暗", "暗証", "暗証番号", "暗証番号 忘れ"]:
            services.search_logged(query=typed, user=self.operator)
        (log,) = SearchLog.objects.all()
        self.assertEqual((log.query, log.hits, log.top_entry), ("暗証番号 忘れ", 1, self.pin))

    def test_a_refused_query_is_not_logged(self):
        outcome = services.search_logged(query="123456789018", user=self.operator)
        self.assertEqual(outcome.hits, [])
        self.assertFalse(SearchLog.objects.exists())

    def test_the_screen_searches_by_post_and_logs_without_the_phone_number(self):
        self.login(self.operator)
        response = self.client.post("/faq/search/", {"q": "暗証番号 090-1234-5678"}, HTTP_HX_REQUEST="true")
        self.assertContains(response, "暗証番号を忘れた")
        self.assertContains(response, "電話番号")
        self.assertEqual(SearchLog.objects.get().query, "暗証番号 〔電話番号〕")

    def test_the_call_screen_records_which_entry_answered_the_call(self):
        self.login(self.operator)
        response = self.client.post("/calls/take/faq/", {"q": "暗証番号"})
        self.assertContains(response, "この回答で解決")
        log = SearchLog.objects.get()
        self.assertEqual(log.source, "call")
        response = self.client.post("/faq/answered/", {"entry": self.pin.pk, "log": log.pk, "call": ""})
        self.assertContains(response, "解決として記録しました")
        log.refresh_from_db()
        self.assertEqual(log.answered_entry, self.pin)


class MissLoopTests(BaseTestCase):
    def setUp(self):
        super().setUp()
        search.clear_cache()  # the per-process index outlives each test's rolled-back database
        self.lost = approved(
            self.site_manager, "紛失", "カードを紛失したとき", "一時停止の連絡をしてください。"
        )

    def test_search_miss_add_synonym_search_again_finds_it(self):
        self.assertEqual(services.search_logged(query="ポチった", user=self.operator).hits, [])
        self.login(self.site_manager)
        page = self.client.get("/faq/misses/")
        self.assertContains(page, "ポチった")
        log = SearchLog.objects.get(query="ポチった")
        self.client.post("/faq/misses/", {"log": log.pk, "action": "synonym", "expansions": "紛失"})
        hits = services.search_logged(query="ポチった", user=self.operator).hits
        self.assertEqual(hits[0].entry_id, self.lost.pk)
        self.assertContains(self.client.get("/faq/misses/"), "言い換え「ポチった → 紛失」を追加しました")
        self.assertNotContains(self.client.get("/faq/misses/"), "ポチった")  # dealt with: off the list

    def test_a_miss_becomes_a_keyword_through_a_revision_draft(self):
        services.search_logged(query="ぼうしつ", user=self.operator)
        log = SearchLog.objects.get()
        self.login(self.site_manager)
        self.client.post("/faq/misses/", {"log": log.pk, "action": "keyword", "entry": self.lost.pk})
        revision = FaqEntry.objects.get(replaces=self.lost)
        self.assertEqual((revision.state, revision.keywords), ("draft", "ぼうしつ"))

    def test_a_miss_becomes_a_new_draft(self):
        services.search_logged(query="住民票の写し", user=self.operator)
        log = SearchLog.objects.get()
        self.login(self.site_manager)
        response = self.client.post("/faq/misses/", {"log": log.pk, "action": "draft"})
        draft = FaqEntry.objects.get(question="住民票の写し")
        self.assertRedirects(response, f"/faq/{draft.pk}/edit/", fetch_redirect_response=False)

    def test_operators_cannot_open_the_editors_list(self):
        self.login(self.operator)
        self.assertEqual(self.client.get("/faq/misses/").status_code, 403)


class MonthlyUsageTests(BaseTestCase):
    def test_a_month_counts_searches_misses_and_answers_in_tokyo_time(self):
        entry = approved(self.site_manager, "紛失", "カードを紛失したとき", "一時停止の連絡をしてください。")
        tokyo = datetime.timezone(datetime.timedelta(hours=9))
        inside = datetime.datetime(2026, 10, 31, 23, 30, tzinfo=tokyo)  # 14:30 UTC: still October in Tokyo
        outside = datetime.datetime(
            2026, 11, 1, 0, 30, tzinfo=tokyo
        )  # 15:30 UTC on Oct 31: November in Tokyo
        for at, query, hits, answered in [
            (inside, "紛失", 1, entry),
            (inside, "紛失", 1, None),
            (inside, "ポチった", 0, None),
            (outside, "紛失", 1, entry),
        ]:
            SearchLog.objects.create(
                at=at, query=query, hits=hits, answered_entry=answered, user=self.operator
            )
        usage = selectors.faq_usage_month(year=2026, month=10)
        self.assertEqual((usage.searches, usage.zero_hit, usage.answered), (3, 1, 1))
        self.assertEqual(usage.top_answered[0].entry_id, entry.pk)
        self.assertEqual(usage.top_misses, [("ポチった", 1)])

    def test_an_impossible_month_raises(self):
        with self.assertRaises(ValueError):
            selectors.faq_usage_month(year=2026, month=13)


class ApiPostSearchTests(BaseTestCase):
    def setUp(self):
        super().setUp()
        search.clear_cache()

    def test_the_api_searches_by_post_and_refuses_an_individual_number_in_japanese(self):
        approved(self.site_manager, "暗証番号", "暗証番号を忘れた", "窓口で再設定します。")
        self.login(self.operator)
        response = self.client.post("/api/faq/search", {"q": "暗証番号"}, content_type="application/json")
        self.assertEqual(response.json()[0]["question"], "暗証番号を忘れた")
        self.assertEqual(SearchLog.objects.get().source, "api")
        response = self.client.post("/api/faq/search", {"q": "123456789018"}, content_type="application/json")
        self.assertEqual(response.status_code, 400)
        self.assertIn("個人番号", response.json()["detail"])

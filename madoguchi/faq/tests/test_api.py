from __future__ import annotations

from madoguchi.accounts.testing import BaseTestCase
from madoguchi.faq import search

from .helpers import approved


class SearchApiTests(BaseTestCase):
    def setUp(self):
        search.clear_cache()
        self.pin = approved(self.site_manager, "暗証番号", "暗証番号を忘れた", "窓口で再設定します。")
        self.lost = approved(
            self.site_manager,
            "紛失・停止",
            "カードを紛失した",
            "一時停止してください。暗証番号も確認します。",
        )

    def test_it_returns_ranked_approved_entries_with_id_question_and_score(self):
        self.login(self.operator)
        response = self.client.get("/api/faq/search", {"q": "暗証番号", "limit": 5})
        self.assertEqual(response.status_code, 200)
        body = response.json()
        self.assertEqual([h["id"] for h in body], [self.pin.pk, self.lost.pk])
        self.assertEqual(body[0]["question"], "暗証番号を忘れた")
        self.assertGreater(body[0]["score"], body[1]["score"])

    def test_limit_is_honoured_and_checked(self):
        self.login(self.operator)
        self.assertEqual(len(self.client.get("/api/faq/search", {"q": "暗証番号", "limit": 1}).json()), 1)
        self.assertEqual(self.client.get("/api/faq/search", {"q": "x", "limit": 0}).status_code, 400)

    def test_it_needs_a_logged_in_user_with_the_permission(self):
        self.assertIn(self.client.get("/api/faq/search", {"q": "暗証"}).status_code, (401, 403))
        self.login(self.nobody)
        self.assertEqual(self.client.get("/api/faq/search", {"q": "暗証"}).status_code, 403)

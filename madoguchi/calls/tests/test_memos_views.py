"""Office phone memos: taken, handed over, done — each with who and when."""

from __future__ import annotations

from madoguchi.accounts.models import AuditEvent
from madoguchi.accounts.testing import BaseTestCase
from madoguchi.calls.models import PhoneMemo


class PhoneMemoTests(BaseTestCase):
    def test_floor_staff_take_a_memo_city_staff_read_it_and_the_taker_marks_it_done(self):
        self.login(self.floor)
        response = self.client.post(
            "/calls/memos/",
            {
                "kind": "outside",
                "for_whom": "市民課 田中さん",
                "caller_name": "県庁 山田",
                "caller_phone": "092-000-1111",
                "message": "折り返しお願いします",
            },
        )
        self.assertRedirects(response, "/calls/memos/")
        memo = PhoneMemo.objects.get()
        self.assertEqual(memo.taken_by, self.floor)
        self.assertEqual(memo.status, "open")
        self.client.post(f"/calls/memos/{memo.pk}/hand-over/", {"handed_to": "市民課 田中"})
        memo.refresh_from_db()
        self.assertEqual(memo.status, "handed_over")
        self.assertEqual(memo.handed_over_by, self.floor)
        self.assertIsNotNone(memo.handed_over_at)
        self.login(self.city_staff)
        page = self.client.get("/calls/memos/")
        self.assertContains(page, "折り返しお願いします")
        self.assertNotContains(page, "メモを登録")  # city staff receive memos, they do not take them
        # City staff read and approve only (issue 12): marking done is the office's.
        self.assertEqual(self.client.post(f"/calls/memos/{memo.pk}/done/").status_code, 403)
        self.login(self.floor)
        self.client.post(f"/calls/memos/{memo.pk}/done/")
        memo.refresh_from_db()
        self.assertEqual(memo.status, "done")
        self.assertEqual(memo.done_by, self.floor)
        self.assertTrue(AuditEvent.objects.filter(action="list", object_type="calls.phonememo").exists())

    def test_city_staff_cannot_create_a_memo(self):
        self.login(self.city_staff)
        response = self.client.post("/calls/memos/", {"kind": "outside", "for_whom": "x", "message": "y"})
        self.assertEqual(response.status_code, 403)
        self.assertFalse(PhoneMemo.objects.exists())

    def test_a_memo_needs_a_recipient_and_refuses_an_individual_number(self):
        self.login(self.floor)
        response = self.client.post(
            "/calls/memos/", {"kind": "internal", "for_whom": "", "message": "番号 123456789018"}
        )
        self.assertContains(response, "宛先（職員名・担当）を入力してください。")
        self.assertContains(response, 'href="#id_for_whom"')
        self.assertContains(response, "個人番号（マイナンバー）と思われる12桁の数字")
        self.assertFalse(PhoneMemo.objects.exists())

    def test_personal_fields_are_stored_encrypted(self):
        from django.db import connection

        self.login(self.floor)
        self.client.post(
            "/calls/memos/",
            {
                "kind": "outside",
                "for_whom": "保険年金課",
                "caller_name": "久留米 花子",
                "caller_phone": "0942-1",
                "message": "m",
            },
        )
        with connection.cursor() as cursor:
            cursor.execute("SELECT caller_name FROM calls_phonememo")
            self.assertNotIn("久留米", cursor.fetchone()[0])

    def test_done_twice_is_refused_with_a_message(self):
        self.login(self.floor)
        memo = PhoneMemo.objects.create(for_whom="市民課", message="m", taken_by=self.floor)
        self.client.post(f"/calls/memos/{memo.pk}/done/")
        response = self.client.post(f"/calls/memos/{memo.pk}/done/", follow=True)
        self.assertContains(response, "すでに対応完了です")

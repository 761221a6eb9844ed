"""The operator screen: one form logs a call (and a callback when one is needed)."""

from __future__ import annotations

import datetime
from unittest import mock

from django.utils import timezone

from madoguchi.accounts.models import AuditEvent
from madoguchi.accounts.testing import BaseTestCase
from madoguchi.calls.integrations import FaqHit
from madoguchi.calls.models import Call, Callback, CallCategory

URL = "/calls/take/"
INDIVIDUAL_NUMBER = "1234 5678 9018"  # 12 digits: refused whatever the check digit


class TakeCallTests(BaseTestCase):
    def setUp(self):
        self.login(self.operator)
        self.category = CallCategory.objects.get(name="受取予約（新規）")

    def data(self, **overrides):
        started = timezone.now() - datetime.timedelta(seconds=95)
        data = {
            "started_at": started.isoformat(),
            "call": "",
            "line": "3",
            "direction": "inbound",
            "subcategory": str(self.category.pk),
            "note": "",
            "outcome": "booked",
            "reservation_ref": "",
        }
        data.update(overrides)
        return data

    def test_a_booking_code_that_does_not_exist_is_refused_and_a_real_one_is_kept(self):
        from madoguchi.reservations.services import reservation_book
        from madoguchi.reservations.tests.helpers import open_day, ready_card, slot_on

        response = self.client.post(URL, self.data(reservation_ref="ZZZ-999"))
        self.assertContains(response, "予約番号「ZZZ-999」の予約は見つかりません")
        self.assertFalse(Call.objects.exists())
        day = open_day(self.main_office)
        booking = reservation_book(
            cards=[ready_card(self.main_office)],
            slot=slot_on(self.main_office, day),
            by=self.operator,
            channel="phone",
        )
        response = self.client.post(URL, self.data(reservation_ref=booking.display_code))
        self.assertRedirects(response, URL)
        self.assertEqual(Call.objects.get().reservation_ref, booking.display_code)

    def test_the_page_offers_every_step_with_a_shortcut(self):
        response = self.client.get(URL)
        self.assertEqual(response.status_code, 200)
        for shortcut in ("alt+s", "alt+l", "alt+k", "alt+m", "alt+o", "alt+b", "ctrl+enter", "alt+n"):
            self.assertContains(response, f'data-shortcut="{shortcut}"')
        self.assertContains(response, "4 受取予約（新規）")  # the key leads the option for type-ahead
        self.assertContains(response, "autofocus")

    def test_it_logs_a_call_with_its_duration_and_report_column(self):
        response = self.client.post(URL, self.data())
        self.assertRedirects(response, URL)
        call = Call.objects.get()
        self.assertEqual(call.source, Call.Source.MANUAL)
        self.assertEqual(call.line, 3)
        self.assertEqual(call.category, "reservation")
        self.assertEqual(call.outcome, "booked")
        self.assertEqual(call.operator, self.operator)
        self.assertGreaterEqual(call.duration_seconds, 95)
        self.assertLess(call.duration_seconds, 120)
        self.assertTrue(AuditEvent.objects.filter(object_type="calls.call", object_id=str(call.pk)).exists())
        # The next call starts on the line just used.
        page = self.client.get(URL)
        self.assertContains(page, '<option value="3" selected>')

    def test_an_unknown_line_is_refused_with_a_clear_message(self):
        response = self.client.post(URL, self.data(line="7"))
        self.assertContains(response, "回線は1〜6から選んでください（入力値: 7）")
        self.assertFalse(Call.objects.exists())

    def test_an_end_before_the_start_is_refused(self):
        future = timezone.now() + datetime.timedelta(minutes=10)
        response = self.client.post(URL, self.data(started_at=future.isoformat()))
        self.assertContains(response, "通話開始時刻が未来になっています")
        self.assertContains(response, "終了時刻が開始時刻より前になっています")
        self.assertFalse(Call.objects.exists())

    def test_an_individual_number_in_the_note_is_refused_and_nothing_saved(self):
        response = self.client.post(URL, self.data(note=f"番号は {INDIVIDUAL_NUMBER} とのこと"))
        self.assertContains(response, "個人番号（マイナンバー）と思われる12桁の数字")
        self.assertFalse(Call.objects.exists())

    def test_a_refused_call_keeps_the_faq_search_the_operator_typed(self):
        response = self.client.post(URL, self.data(line="9", q="暗証番号 忘れた"))
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, 'value="暗証番号 忘れた"')
        self.assertContains(response, "search, load")  # the answers come back without retyping
        self.assertFalse(Call.objects.exists())

    def test_callback_needed_creates_the_callback_in_the_same_step(self):
        response = self.client.post(
            URL,
            self.data(
                outcome="callback",
                callback_phone="090-1234-5678",
                callback_name="久留米 太郎",
                callback_reason="転出時のカードの扱いを市に確認して回答",
            ),
        )
        self.assertRedirects(response, URL)
        callback = Callback.objects.get()
        self.assertEqual(callback.call, Call.objects.get())
        self.assertEqual(callback.source, Callback.Source.UNRESOLVED)
        self.assertEqual(callback.phone, "090-1234-5678")
        self.assertTrue(callback.is_open)

    def test_callback_needed_without_a_phone_is_refused_and_nothing_saved(self):
        response = self.client.post(URL, self.data(outcome="callback", callback_phone=""))
        self.assertContains(response, "折り返しが必要な場合は電話番号を入力してください")
        self.assertFalse(Call.objects.exists())
        self.assertFalse(Callback.objects.exists())

    def test_an_inactive_sub_category_cannot_be_chosen(self):
        self.category.is_active = False
        self.category.save(update_fields=["is_active"])
        response = self.client.post(URL, self.data())
        self.assertContains(response, "分類を選び直してください")
        self.assertNotContains(response, "4 受取予約（新規）")
        self.assertFalse(Call.objects.exists())

    def test_a_cti_call_is_logged_on_its_own_record(self):
        start = timezone.now() - datetime.timedelta(minutes=3)
        cti = Call.objects.create(
            source=Call.Source.CTI,
            cti_call_id="pbx-1",
            line=5,
            status=Call.Status.ACTIVE,
            started_at=start,
            answered_at=start + datetime.timedelta(seconds=5),
        )
        page = self.client.get(URL, {"call": cti.pk})
        self.assertContains(page, "CTI 着信 回線5")
        response = self.client.post(URL, self.data(call=str(cti.pk), line="5"))
        self.assertRedirects(response, URL)
        self.assertEqual(Call.objects.count(), 1)
        cti.refresh_from_db()
        self.assertEqual(cti.operator, self.operator)
        self.assertEqual(cti.category, "reservation")
        self.assertIsNotNone(cti.ended_at)
        # Logging the same call twice is refused, and no second call appears.
        response = self.client.post(URL, self.data(call=str(cti.pk), line="5"))
        self.assertContains(response, "この通話はすでに記録されています")
        self.assertEqual(Call.objects.count(), 1)

    def test_a_second_submit_of_the_same_call_is_refused(self):
        data = self.data()
        self.assertRedirects(self.client.post(URL, data), URL)
        response = self.client.post(URL, data)
        self.assertContains(response, "この通話はすでに記録されています（二重送信）")
        self.assertEqual(Call.objects.count(), 1)

    def test_more_unlogged_cti_calls_than_the_pane_shows_are_counted(self):
        now = timezone.now()
        Call.objects.bulk_create(
            Call(
                source=Call.Source.CTI,
                cti_call_id=f"pbx-many-{i}",
                line=1 + i % 6,
                status=Call.Status.ENDED,
                started_at=now - datetime.timedelta(minutes=i),
            )
            for i in range(15)
        )
        response = self.client.get("/calls/take/active/")
        self.assertContains(response, "この通話を記録", count=12)
        self.assertContains(response, "ほかに未記録の着信が 3 件あります")

    def test_active_cti_calls_are_offered_to_the_operator(self):
        Call.objects.create(
            source=Call.Source.CTI,
            cti_call_id="pbx-2",
            line=2,
            status=Call.Status.RINGING,
            started_at=timezone.now(),
        )
        response = self.client.get("/calls/take/active/")
        self.assertContains(response, "回線2")
        self.assertContains(response, "この通話を記録")

    def test_the_faq_pane_is_a_fragment_with_the_ranked_answers(self):
        hits = [
            FaqHit(
                id=1,
                question="受取予約の変更はできますか",
                answer="予約番号をお知らせください。",
                category="予約",
                score=3.2,
            )
        ]
        with mock.patch("madoguchi.calls.integrations.faq_search", return_value=hits):
            response = self.client.get("/calls/take/faq/", {"q": "予約 変更"})
        self.assertContains(response, "受取予約の変更はできますか")
        self.assertContains(response, "予約番号をお知らせください。")
        self.assertNotContains(response, "<html")

    def test_the_faq_pane_searches_the_approved_faq_and_shows_whole_answers(self):
        from madoguchi.faq.tests.helpers import approved

        entry = approved(
            self.site_manager, "暗証番号", "暗証番号を忘れた", "本人確認書類を持って窓口で再設定できます。"
        )
        response = self.client.get("/calls/take/faq/", {"q": "暗証番号 忘れた"})
        self.assertContains(response, "暗証番号を忘れた")
        self.assertContains(response, "本人確認書類を持って窓口で再設定できます。")
        self.assertContains(response, f'href="/faq/{entry.pk}/"')


class ReservationLinkTests(BaseTestCase):
    def test_the_reservations_desk_is_one_key_away_for_those_who_may_book(self):
        self.login(self.operator)
        page = self.client.get("/calls/take/")
        self.assertContains(page, 'href="/reservations/"')
        self.assertContains(page, 'data-shortcut="alt+y"')

    def test_someone_the_reservations_app_does_not_let_book_is_not_offered_the_link(self):
        from madoguchi.calls import integrations

        self.assertIsNone(integrations.reservation_url(self.nobody))
        self.assertEqual(integrations.reservation_url(self.operator), "/reservations/")

"""Calls go to the operator who answered: extension sign-in, answer events with the extension, hangup causes,
believable times only, and the caller's history on the operator's own call (audited)."""

from __future__ import annotations

import datetime
import json

from django.core.exceptions import ValidationError
from django.test import override_settings
from django.utils import timezone

from madoguchi.accounts.models import AuditEvent
from madoguchi.accounts.roles import Role
from madoguchi.accounts.testing import BaseTestCase, make_user
from madoguchi.calls import services
from madoguchi.calls.models import Call, CtiEvent, HangupCause, OperatorSeat

URL = "/api/cti/events"


class CtiOperatorTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.second = make_user("eri", Role.OPERATOR, "Eri")

    def post(self, **event):
        event.setdefault("time", timezone.now().isoformat())
        return self.client.post(
            URL,
            data=json.dumps(event),
            content_type="application/json",
            headers={"Authorization": "Bearer test-cti-token"},
        )

    def ring_and_answer(self, call_id: str, extension: str, phone: str = "090-1111-2222") -> Call:
        now = timezone.now()
        self.assertEqual(
            self.post(
                event="newCall",
                callId=call_id,
                line=1,
                direction="inbound",
                time=(now - datetime.timedelta(seconds=20)).isoformat(),
                **{"from": phone, "to": "0942-30-0000"},
            ).status_code,
            200,
        )
        response = self.post(
            event="answer", callId=call_id, line=1, extension=extension, time=now.isoformat()
        )
        self.assertEqual(response.status_code, 200, response.content.decode())
        return Call.objects.get(cti_call_id=call_id)

    def active_for(self, user) -> str:
        self.client.force_login(user)
        return self.client.get("/calls/take/active/").content.decode()

    def test_a_call_answered_on_an_extension_pops_up_only_for_the_operator_signed_in_there(self):
        services.seat_sign_in(user=self.operator, extension="201")
        services.seat_sign_in(user=self.second, extension="202")
        call = self.ring_and_answer("L-1", "201")
        self.assertEqual(call.operator, self.operator)
        self.assertEqual(call.extension, "201")
        self.assertIn(f"?call={call.pk}", self.active_for(self.operator))
        self.assertNotIn(f"?call={call.pk}", self.active_for(self.second))
        # Eri cannot open it by its number either.
        page = self.client.get(f"/calls/take/?call={call.pk}")
        self.assertIsNone(page.context["cti"])

    def test_a_ringing_call_and_one_answered_where_nobody_is_signed_in_are_everyones(self):
        services.seat_sign_in(user=self.operator, extension="201")
        self.post(event="newCall", callId="R-1", line=2, direction="inbound")
        answered = self.ring_and_answer("R-2", "209")
        ringing = Call.objects.get(cti_call_id="R-1")
        for user in (self.operator, self.second):
            page = self.active_for(user)
            self.assertIn(f"?call={ringing.pk}", page)
            self.assertIn(f"?call={answered.pk}", page)

    def test_the_operator_sees_the_callers_history_and_the_look_up_is_audited(self):
        services.seat_sign_in(user=self.operator, extension="201")
        earlier = self.ring_and_answer("H-1", "209", phone="090-3333-4444")
        self.post(event="hangup", callId="H-1")
        services.callback_create(
            by=self.operator, phone="090-3333-4444", reason="再送の確認", due_at=timezone.now()
        )
        self.assertTrue(earlier.phone_hash)
        call = self.ring_and_answer("H-2", "201", phone="090-3333-4444")
        page = self.active_for(self.operator)
        self.assertIn("この番号から: 過去の通話 1件・未完了の折り返し 1件", page)
        self.assertNotIn("090-3333-4444", page)
        self.assertTrue(
            AuditEvent.objects.filter(
                actor=self.operator, action="view", detail__caller_history_for=[call.pk]
            ).exists()
        )

    def test_hangup_causes_are_kept_or_follow_from_the_call(self):
        self.ring_and_answer("C-1", "201")
        self.post(event="hangup", callId="C-1")
        self.post(event="newCall", callId="C-2", line=2, direction="inbound")
        self.post(event="hangup", callId="C-2")
        self.post(event="newCall", callId="C-3", line=3, direction="inbound")
        self.post(event="hangup", callId="C-3", cause="busy")
        causes = dict(Call.objects.values_list("cti_call_id", "hangup_cause"))
        self.assertEqual(
            causes,
            {"C-1": HangupCause.ANSWERED, "C-2": HangupCause.CALLER_HUNG_UP, "C-3": HangupCause.BUSY},
        )

    def test_an_unknown_cause_or_a_bad_extension_is_refused_with_a_japanese_message(self):
        response = self.post(event="hangup", callId="X-1", cause="exploded")
        self.assertEqual(response.status_code, 400)
        self.assertIn("cause「exploded」は不明です", response.json()["detail"])
        response = self.post(event="answer", callId="X-2", line=1, extension="20 1;")
        self.assertEqual(response.status_code, 400)
        self.assertIn("内線番号として読めません", response.json()["detail"])
        self.assertFalse(CtiEvent.objects.exists())

    def test_event_times_years_off_are_refused_and_nothing_is_written(self):
        for when in ("1970-01-01T09:00:00+09:00", "2031-05-01T09:00:00+09:00", 0):
            response = self.post(event="newCall", callId="T-1", line=1, time=when)
            self.assertEqual(response.status_code, 400)
            self.assertIn("現在時刻から離れすぎています", response.json()["detail"])
        self.assertFalse(Call.objects.exists())

    @override_settings(MADOGUCHI_CTI_EXTENSIONS=["201", "202", "203"])
    def test_signing_in_to_an_unknown_or_taken_extension_is_refused_and_moving_seats_frees_the_old_one(self):
        with self.assertRaisesMessage(
            ValidationError, "内線「299」は登録されていません。使える内線: 201、202、203。"
        ):
            services.seat_sign_in(user=self.operator, extension="299")
        services.seat_sign_in(user=self.operator, extension="201")
        with self.assertRaisesMessage(ValidationError, "内線201は Alice さんがサインイン中です"):
            services.seat_sign_in(user=self.second, extension="201")
        services.seat_sign_in(user=self.operator, extension="203")
        services.seat_sign_in(user=self.second, extension="201")
        self.assertEqual(
            dict(OperatorSeat.objects.values_list("extension", "user__username")),
            {"203": "alice", "201": "eri"},
        )

    def test_the_seat_form_signs_in_and_out_from_the_call_screen(self):
        self.client.force_login(self.operator)
        response = self.client.post("/calls/take/seat/", {"extension": "205"}, follow=True)
        self.assertContains(response, "内線205にサインインしました")
        self.assertContains(response, "内線 <strong>205</strong> にサインイン中")
        response = self.client.post("/calls/take/seat/", {"sign_out": "1"}, follow=True)
        self.assertContains(response, "内線からサインアウトしました")
        self.assertFalse(OperatorSeat.objects.exists())

    def test_a_roll_over_appears_on_every_operators_desk_until_someone_takes_it(self):
        services.seat_sign_in(user=self.operator, extension="201")
        self.post(event="overflow", callId="O-1", **{"from": "090-5555-6666"})
        callback = Call.objects.get(cti_call_id="O-1").callbacks.get()
        for user in (self.operator, self.second):
            page = self.active_for(user)
            self.assertIn(f"No.{callback.pk}", page)
            self.assertNotIn("090-5555-6666", page)
        services.callback_assign(by=self.second, callback=callback, owner=self.second)
        self.assertIn("未担当のあふれ呼はありません", self.active_for(self.operator))

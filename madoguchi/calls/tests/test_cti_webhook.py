"""A cloud PBX's own webhook JSON, mapped by MADOGUCHI_CTI_WEBHOOK_MAP onto CTI events."""

from __future__ import annotations

import datetime
import json

from django.test import override_settings
from django.utils import timezone

from madoguchi.accounts.testing import BaseTestCase
from madoguchi.calls import services
from madoguchi.calls.models import Call, CtiEvent, HangupCause

MAP = {
    "event": "type",
    "callId": "call.id",
    "time": "timestamp",
    "from": "call.from",
    "to": "call.to",
    "extension": "agent.extension",
    "cause": "call.end_reason",
    "events": {"call.ringing": "newCall", "call.answered": "answer", "call.ended": "hangup"},
    "causes": {"normal": "answered", "abandoned": "caller_hung_up"},
}


@override_settings(MADOGUCHI_CTI_WEBHOOK_MAP=MAP)
class CtiWebhookTests(BaseTestCase):
    def post(self, body: dict):
        return self.client.post(
            "/api/cti/webhook",
            data=json.dumps(body),
            content_type="application/json",
            headers={"Authorization": "Bearer test-cti-token"},
        )

    def test_a_cloud_pbx_call_in_its_own_words_becomes_one_call_for_the_operator_who_answered(self):
        services.seat_sign_in(user=self.operator, extension="301")
        start = timezone.now() - datetime.timedelta(minutes=3)
        call = {"id": "cloud-77", "from": "+81-90-7777-8888", "to": "0942300000"}
        stamps = [start, start + datetime.timedelta(seconds=15), start + datetime.timedelta(seconds=135)]
        for kind, at, extra in (
            ("call.ringing", stamps[0], {}),
            ("call.answered", stamps[1], {"agent": {"extension": "301"}}),
            ("call.ended", stamps[2], {"call": {**call, "end_reason": "normal"}}),
            ("call.ended", stamps[2], {"call": {**call, "end_reason": "normal"}}),  # retried by the PBX
        ):
            body = {"type": kind, "timestamp": at.isoformat(), "call": call, **extra}
            response = self.post(body)
            self.assertEqual(response.status_code, 200, response.content.decode())
        saved = Call.objects.get(cti_call_id="cloud-77")
        self.assertEqual(saved.status, Call.Status.ENDED)
        self.assertEqual(saved.duration_seconds, 120)
        self.assertEqual(saved.operator, self.operator)
        self.assertEqual(saved.hangup_cause, HangupCause.ANSWERED)
        self.assertEqual(saved.phone, "+81-90-7777-8888")

    def test_kinds_madoguchi_does_not_use_are_ignored_and_unknown_words_are_refused(self):
        response = self.post({"type": "recording.ready", "timestamp": timezone.now().isoformat()})
        self.assertEqual(response.json(), {"ok": True, "ignored": True, "applied": False, "call": None})
        response = self.post(
            {
                "type": "call.ended",
                "timestamp": timezone.now().isoformat(),
                "call": {"id": "c-1", "end_reason": "exploded"},
            }
        )
        self.assertEqual(response.status_code, 400)
        self.assertIn(
            "終話の理由「exploded」の対応が MADOGUCHI_CTI_WEBHOOK_MAP にありません", response.json()["detail"]
        )
        response = self.post({"type": "call.ringing", "timestamp": timezone.now().isoformat()})
        self.assertEqual(response.status_code, 400)
        self.assertIn("callId が見つかりません", response.json()["detail"])
        self.assertFalse(CtiEvent.objects.exists())

    @override_settings(MADOGUCHI_CTI_WEBHOOK_MAP={})
    def test_without_a_mapping_the_webhook_says_what_to_set(self):
        response = self.post({"type": "call.ringing"})
        self.assertEqual(response.status_code, 400)
        self.assertIn("MADOGUCHI_CTI_WEBHOOK_MAP が設定されていません", response.json()["detail"])

    def test_a_wrong_token_is_refused(self):
        response = self.client.post(
            "/api/cti/webhook",
            data="{}",
            content_type="application/json",
            headers={"Authorization": "Bearer no"},
        )
        self.assertEqual(response.status_code, 401)

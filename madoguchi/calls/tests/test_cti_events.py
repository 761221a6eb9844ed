"""CTI events: replayed PBX streams create and close calls with real durations, in any order, once."""

from __future__ import annotations

import datetime
import json

from django.db import connection
from django.test import override_settings

from madoguchi.accounts.testing import BaseTestCase
from madoguchi.calls.models import Call, Callback, CtiEvent

URL = "/api/cti/events"
TOKEN = "test-cti-token"


def ev(kind: str, call_id: str, time: str, **extra) -> dict:
    return {"event": kind, "callId": call_id, "time": time, **extra}


# These recorded streams are from fixed days; the window of believable times is tested in test_cti_operator.py.
@override_settings(MADOGUCHI_CTI_MAX_EVENT_AGE_HOURS=24 * 365 * 30)
class CtiEventTests(BaseTestCase):
    def post(self, event: dict, token: str = TOKEN):
        return self.client.post(
            URL,
            data=json.dumps(event),
            content_type="application/json",
            headers={"Authorization": f"Bearer {token}"},
        )

    def replay(self, events: list[dict]) -> list:
        responses = [self.post(e) for e in events]
        for r in responses:
            self.assertEqual(r.status_code, 200, r.content.decode())
        return responses

    def test_a_normal_stream_creates_one_call_with_its_real_duration(self):
        self.replay(
            [
                ev(
                    "newCall",
                    "1764000000.1",
                    "2026-11-24T09:00:00+09:00",
                    line=2,
                    direction="inbound",
                    **{"from": "0942-12-3456", "to": "0942-30-0000"},
                ),
                ev("answer", "1764000000.1", "2026-11-24T09:00:12+09:00", line=2),
                ev("hangup", "1764000000.1", "2026-11-24T09:04:42+09:00"),
            ]
        )
        call = Call.objects.get(cti_call_id="1764000000.1")
        self.assertEqual(call.source, Call.Source.CTI)
        self.assertEqual(call.line, 2)
        self.assertEqual(call.status, Call.Status.ENDED)
        self.assertEqual(call.duration_seconds, 270)  # answer → hangup
        self.assertEqual(call.phone, "0942-12-3456")
        self.assertEqual(call.our_number, "0942-30-0000")
        with connection.cursor() as cursor:
            cursor.execute("SELECT phone FROM calls_call WHERE id = %s", [call.pk])
            stored = cursor.fetchone()[0]
        self.assertTrue(stored.startswith("enc1:"))
        self.assertNotIn("3456", stored)

    def test_the_same_stream_replayed_twice_changes_nothing(self):
        stream = [
            ev("newCall", "A-1", "2026-11-24T10:00:00+09:00", line=1, direction="inbound"),
            ev("answer", "A-1", "2026-11-24T10:00:05+09:00", line=1),
            ev("hangup", "A-1", "2026-11-24T10:02:05+09:00"),
        ]
        first = self.replay(stream)
        second = self.replay(stream)
        self.assertTrue(all(r.json()["applied"] for r in first))
        self.assertFalse(any(r.json()["applied"] for r in second))
        self.assertEqual(Call.objects.count(), 1)
        self.assertEqual(CtiEvent.objects.count(), 3)
        self.assertEqual(Call.objects.get().duration_seconds, 120)

    def test_events_out_of_order_give_the_same_call_as_in_order(self):
        self.replay(
            [
                ev("hangup", "B-2", "2026-11-24T11:05:30+09:00"),
                ev("answer", "B-2", "2026-11-24T11:00:30+09:00", line=4),
                ev(
                    "newCall",
                    "B-2",
                    "2026-11-24T11:00:00+09:00",
                    line=4,
                    direction="inbound",
                    **{"from": "09011112222"},
                ),
            ]
        )
        call = Call.objects.get(cti_call_id="B-2")
        self.assertEqual(call.started_at, datetime.datetime(2026, 11, 24, 2, 0, tzinfo=datetime.UTC))
        self.assertEqual(call.duration_seconds, 300)
        self.assertEqual(call.status, Call.Status.ENDED)
        self.assertEqual(call.line, 4)
        self.assertEqual(call.phone, "09011112222")

    def test_a_call_hung_up_before_answer_is_missed_with_no_duration(self):
        self.replay(
            [
                ev("newCall", "C-3", "2026-11-24T12:00:00+09:00", line=3, direction="inbound"),
                ev("hangup", "C-3", "2026-11-24T12:00:20+09:00"),
            ]
        )
        call = Call.objects.get(cti_call_id="C-3")
        self.assertEqual(call.status, Call.Status.MISSED)
        self.assertIsNone(call.duration_seconds)

    def test_an_answered_call_is_active_until_hangup(self):
        self.replay(
            [
                ev("newCall", "D-4", "2026-11-24T13:00:00+09:00", line=5, direction="inbound"),
                ev("answer", "D-4", "2026-11-24T13:00:03+09:00", line=5),
            ]
        )
        self.assertEqual(Call.objects.get(cti_call_id="D-4").status, Call.Status.ACTIVE)

    @override_settings(MADOGUCHI_CTI_TOKEN="test-cti-token")
    def test_an_overflow_becomes_a_callback_once_even_when_repeated(self):
        stream = [
            ev(
                "newCall", "E-5", "2026-11-24T14:00:00+09:00", direction="inbound", **{"from": "0942-99-8888"}
            ),
            ev("overflow", "E-5", "2026-11-24T14:00:25+09:00", **{"from": "0942-99-8888"}),
        ]
        responses = self.replay(stream + stream)
        call = Call.objects.get(cti_call_id="E-5")
        self.assertEqual(call.status, Call.Status.OVERFLOWED)
        callback = Callback.objects.get()
        self.assertEqual(callback.source, Callback.Source.OVERFLOW)
        self.assertEqual(callback.phone, "0942-99-8888")
        self.assertEqual(callback.call, call)
        self.assertEqual(responses[1].json()["callback"], callback.pk)
        # Due within opening hours: the main office is open on a Tuesday at 14:00, so 30 minutes later.
        self.assertEqual(callback.due_at, datetime.datetime(2026, 11, 24, 5, 30, 25, tzinfo=datetime.UTC))

    def test_an_overflow_before_its_new_call_event_gets_the_number_later(self):
        self.replay(
            [
                ev("overflow", "F-6", "2026-11-24T15:00:20+09:00"),
                ev(
                    "newCall",
                    "F-6",
                    "2026-11-24T15:00:00+09:00",
                    direction="inbound",
                    **{"from": "0942-11-2222"},
                ),
            ]
        )
        callback = Callback.objects.get()
        self.assertEqual(callback.phone, "0942-11-2222")
        self.assertEqual(Call.objects.get().started_at.isoformat(), "2026-11-24T06:00:00+00:00")

    def test_an_overflow_after_closing_is_due_at_the_next_opening(self):
        # Friday 2026-11-27 after 17:15 → Monday 2026-11-30 8:30 + 30 min.
        self.replay([ev("overflow", "G-7", "2026-11-27T17:20:00+09:00", **{"from": "0942-00-1111"})])
        self.assertEqual(
            Callback.objects.get().due_at, datetime.datetime(2026, 11, 30, 0, 0, tzinfo=datetime.UTC)
        )

    def test_unix_seconds_and_naive_times_are_accepted(self):
        self.replay(
            [
                ev("newCall", "H-8", "2026-11-24T09:00:00", line=1, direction="inbound"),
                ev("answer", "H-8", "2026-11-24T09:00:10", line=1),
                ev(
                    "hangup",
                    "H-8",
                    str(int(datetime.datetime(2026, 11, 24, 0, 1, 10, tzinfo=datetime.UTC).timestamp())),
                ),
            ]
        )
        self.assertEqual(Call.objects.get().duration_seconds, 60)

    def test_a_bad_token_is_refused_with_401_and_nothing_is_written(self):
        response = self.post(ev("newCall", "X-1", "2026-11-24T09:00:00+09:00", line=1), token="wrong")
        self.assertEqual(response.status_code, 401)
        response = self.client.post(
            URL,
            data=json.dumps(ev("newCall", "X-1", "2026-11-24T09:00:00+09:00")),
            content_type="application/json",
        )
        self.assertEqual(response.status_code, 401)
        self.assertFalse(Call.objects.exists())
        self.assertFalse(CtiEvent.objects.exists())

    @override_settings(MADOGUCHI_CTI_TOKEN="")
    def test_an_unset_token_refuses_everyone(self):
        response = self.post(ev("newCall", "X-2", "2026-11-24T09:00:00+09:00"), token="")
        self.assertEqual(response.status_code, 401)

    def test_an_unknown_line_is_refused_with_a_japanese_message(self):
        response = self.post(ev("newCall", "X-3", "2026-11-24T09:00:00+09:00", line=7))
        self.assertEqual(response.status_code, 400)
        self.assertIn("回線「7」は存在しません", response.json()["detail"])
        self.assertFalse(CtiEvent.objects.exists())

    def test_an_unknown_event_and_a_bad_time_are_refused(self):
        response = self.post(ev("transfer", "X-4", "2026-11-24T09:00:00+09:00"))
        self.assertEqual(response.status_code, 400)
        self.assertIn("event「transfer」は不明です", response.json()["detail"])
        response = self.post(ev("newCall", "X-4", "きのう"))
        self.assertEqual(response.status_code, 400)
        self.assertIn("日時として読めません", response.json()["detail"])
        self.assertFalse(Call.objects.exists())

    def test_a_hangup_before_the_call_started_is_refused_and_nothing_half_saved(self):
        self.replay([ev("newCall", "Y-1", "2026-11-24T09:00:00+09:00", line=1, direction="inbound")])
        response = self.post(ev("hangup", "Y-1", "2026-11-24T08:59:00+09:00"))
        self.assertEqual(response.status_code, 400)
        self.assertIn("終話時刻が着信時刻より前です", response.json()["detail"])
        self.assertEqual(CtiEvent.objects.filter(call_id="Y-1").count(), 1)
        self.assertIsNone(Call.objects.get().ended_at)

    def test_a_day_of_interleaved_calls_replayed_shuffled_gives_the_same_records(self):
        import random

        stream = []
        base = datetime.datetime(2026, 11, 24, 9, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=9)))
        for i in range(12):
            start = base + datetime.timedelta(minutes=7 * i)
            cid = f"S-{i}"
            stream.append(ev("newCall", cid, start.isoformat(), line=i % 6 + 1, direction="inbound"))
            stream.append(
                ev("answer", cid, (start + datetime.timedelta(seconds=10)).isoformat(), line=i % 6 + 1)
            )
            stream.append(
                ev("hangup", cid, (start + datetime.timedelta(seconds=10 + 60 * (i + 1))).isoformat())
            )
        shuffled = stream[:] + stream[:5]
        random.Random(5).shuffle(shuffled)
        self.replay(shuffled)
        self.assertEqual(Call.objects.count(), 12)
        for i in range(12):
            call = Call.objects.get(cti_call_id=f"S-{i}")
            self.assertEqual(call.duration_seconds, 60 * (i + 1))
            self.assertEqual(call.line, i % 6 + 1)
            self.assertEqual(call.status, Call.Status.ENDED)

    def test_an_operator_logs_a_cti_call_and_the_later_hangup_sets_the_real_end(self):
        from madoguchi.calls import services
        from madoguchi.calls.models import CallCategory

        self.replay(
            [
                ev("newCall", "Z-1", "2026-11-24T09:00:00+09:00", line=3, direction="inbound"),
                ev("answer", "Z-1", "2026-11-24T09:00:04+09:00", line=3),
            ]
        )
        call = Call.objects.get()
        services.call_log(
            by=self.operator,
            line=3,
            subcategory=CallCategory.objects.get(name="カード"),
            outcome=Call.Outcome.RESOLVED,
            started_at=call.started_at,
            call=call,
        )
        self.replay([ev("hangup", "Z-1", "2026-11-24T09:03:04+09:00")])
        call.refresh_from_db()
        self.assertEqual(call.duration_seconds, 180)
        self.assertEqual(call.category, "card_inquiry")
        self.assertEqual(call.operator, self.operator)
        self.assertEqual(call.status, Call.Status.ENDED)

"""The AMI adapter on a recorded Asterisk transcript (代表番号, 6 channels), replayed by a TCP server: calls get
lines 1–6, the seventh simultaneous call rolls over, a dropped connection is resumed and the replayed stream
changes nothing (idempotent by Linkedid)."""

from __future__ import annotations

import asyncio
import datetime
from pathlib import Path

import pytest
from asgiref.sync import async_to_sync

from madoguchi.calls.ami import AmiTranslator, parse_block
from madoguchi.calls.models import Call, Callback

TRANSCRIPT = Path(__file__).parent / "data" / "ami_6lines.txt"
NUMBER = "0942300000"


def blocks() -> list[str]:
    text = TRANSCRIPT.read_bytes().decode("utf-8")  # keep the \r\n of the wire
    return [b + "\r\n\r\n" for b in text.split("\r\n\r\n") if b.strip()]


def translator() -> AmiTranslator:
    return AmiTranslator(trunk_contexts=frozenset({"from-trunk"}), number=NUMBER)


def test_the_transcript_becomes_cti_events_with_six_lines_and_one_roll_over():
    t = translator()
    events = [e for b in blocks() for e in t.feed(parse_block(b))]
    kinds = [(e.kind, e.line) for e in events if e.kind in ("newCall", "overflow")]
    assert kinds == [
        ("newCall", 1),
        ("newCall", 2),
        ("newCall", 3),
        ("newCall", 4),
        ("newCall", 4),  # line 4 was freed when its caller hung up while ringing
        ("newCall", 5),
        ("newCall", 6),
        ("overflow", None),  # all six in use
    ]
    assert sum(e.kind == "answer" for e in events) == 6
    assert sum(e.kind == "hangup" for e in events) == 7
    assert all(e.to_number == NUMBER for e in events if e.kind == "newCall")
    assert not any(e.from_number == "0942111111" for e in events)  # the fax number is not the call centre's
    assert t.book.held == {}


def test_a_message_without_a_linkedid_or_from_an_internal_context_is_ignored():
    t = translator()
    assert t.feed({"Event": "PeerStatus", "Peer": "PJSIP/205"}) == []
    assert (
        t.feed({"Event": "Newchannel", "Context": "from-internal", "Uniqueid": "1.1", "Linkedid": "1.1"})
        == []
    )


async def _serve_and_run(connections: list[list[str]]):
    """A fake Asterisk: banner, login, CoreShowChannels answer, then each connection's blocks, then it drops."""
    from madoguchi.calls.management.commands.cti_ami import make_client

    served = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        stream = connections[len(served)]
        served.append(True)
        writer.write(b"Asterisk Call Manager/9.0.0\r\n")
        login = parse_block((await reader.readuntil(b"\r\n\r\n")).decode())
        assert login["Action"] == "Login" and login["Secret"] == "s3cret"
        writer.write(b"Response: Success\r\nMessage: Authentication accepted\r\n\r\n")
        resync = parse_block((await reader.readuntil(b"\r\n\r\n")).decode())
        assert resync["Action"] == "CoreShowChannels"
        writer.write(b"Response: Success\r\nEventList: start\r\nActionID: madoguchi-resync\r\n\r\n")
        writer.write(b"Event: CoreShowChannelsComplete\r\nActionID: madoguchi-resync\r\nListItems: 0\r\n\r\n")
        for block in stream:
            writer.write(block.encode())
        await writer.drain()
        writer.close()  # the PBX restarts

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    client = make_client(
        host="127.0.0.1", port=port, username="madoguchi", secret="s3cret", retry_seconds=0.01
    )
    client.translator = translator()
    async with server:
        await asyncio.wait_for(client.run(max_connections=len(connections)), timeout=60)
    return client


@pytest.mark.django_db
def test_the_daemon_records_the_calls_resumes_after_a_drop_and_a_replayed_stream_changes_nothing():
    from madoguchi.accounts.testing import make_offices

    make_offices()  # a roll-over callback is due by the main office's hours
    whole = blocks()
    # 1st connection drops half-way; 2nd replays everything from the start (as after a PBX restart).
    client = async_to_sync(_serve_and_run)([whole[:20], whole])
    assert client.connections == 2
    calls = {c.cti_call_id: c for c in Call.objects.all()}
    assert len(calls) == 8
    by_line = sorted((c.line, c.status, c.duration_seconds) for c in calls.values() if c.line)
    assert by_line == [
        (1, Call.Status.ENDED, 360),
        (2, Call.Status.ENDED, 420),
        (3, Call.Status.ENDED, 480),
        (4, Call.Status.ENDED, 600),
        (4, Call.Status.MISSED, None),
        (5, Call.Status.ENDED, 660),
        (6, Call.Status.ENDED, 285),
    ]
    overflowed = [c for c in calls.values() if c.status == Call.Status.OVERFLOWED]
    assert len(overflowed) == 1
    assert Callback.objects.filter(source=Callback.Source.OVERFLOW).count() == 1
    first = min(calls.values(), key=lambda c: c.started_at)
    assert first.started_at == datetime.datetime(2026, 11, 24, 0, 0, 20, tzinfo=datetime.UTC)
    assert first.phone == "09012340001" and first.our_number == NUMBER


@pytest.mark.django_db
def test_the_daemon_refuses_to_start_without_a_secret(settings):
    from django.core.management import CommandError, call_command

    settings.MADOGUCHI_AMI_SECRET = ""
    with pytest.raises(CommandError, match="MADOGUCHI_AMI_SECRET"):
        call_command("cti_ami")

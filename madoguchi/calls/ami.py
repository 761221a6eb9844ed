"""Asterisk/FreePBX AMI → madoguchi CTI events, for a 代表番号 (one published number) with six channels.

The PBX needs no dialplan change: `madoguchi cti_ami` logs in to the Asterisk Manager Interface (TCP, read-only
manager user), reads the event stream and turns the life of each inbound call into the CTI events that
`cti_event_apply` already understands:

| AMI event | condition | CTI event |
|---|---|---|
| `Newchannel` | the call's first channel (`Uniqueid == Linkedid`) in a trunk context | `newCall` (line = lowest free of 1–6) |
| `Newchannel` | as above, but all six lines are in use | `overflow` (becomes a roll-over callback) |
| `DialEnd` / `AgentConnect` | `DialStatus: ANSWER` (or AgentConnect) for a call on a line | `answer` |
| `Hangup` | the call's first channel | `hangup` |

Each call is identified by its `Linkedid`, so the events of one call are applied once: a replayed stream (after a
reconnect, or a second adapter by mistake) changes nothing (`CtiEvent` is unique per call and kind). Times come
from the event's `Timestamp` (manager.conf `timestampevents = yes`), else the time it was read.

The line of a call is the adapter's own bookkeeping (the trunk has one number; the six channels are not numbered
by the carrier): lowest free line at ring, freed at hangup. After a reconnect the adapter asks Asterisk for the
channels still up (`CoreShowChannels`) and keeps their lines.
"""

from __future__ import annotations

import asyncio
import datetime
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

logger = logging.getLogger(__name__)

LINES = 6


@dataclass(frozen=True)
class CtiEventOut:
    """One event for calls.services.cti_event_apply (same names)."""

    kind: str
    call_id: str
    at: datetime.datetime
    line: int | None = None
    direction: str = "inbound"
    from_number: str = ""
    to_number: str = ""


def parse_block(text: str) -> dict[str, str]:
    """One AMI message ("Key: value" lines) as a dict; the first value of a repeated key wins."""
    message: dict[str, str] = {}
    for raw in text.splitlines():
        key, sep, value = raw.partition(":")
        if sep and key.strip() and key.strip() not in message:
            message[key.strip()] = value.strip()
    return message


def event_time(message: dict[str, str], now: Callable[[], datetime.datetime]) -> datetime.datetime:
    stamp = message.get("Timestamp", "")
    try:
        return datetime.datetime.fromtimestamp(float(stamp), tz=datetime.UTC)
    except ValueError:
        return now()


@dataclass
class LineBook:
    """Which of the six lines each live call holds (by Linkedid)."""

    lines: int = LINES
    held: dict[str, int] = field(default_factory=dict)

    def take(self, linkedid: str) -> int | None:
        if linkedid in self.held:
            return self.held[linkedid]
        used = set(self.held.values())
        free = next((n for n in range(1, self.lines + 1) if n not in used), None)
        if free is not None:
            self.held[linkedid] = free
        return free

    def release(self, linkedid: str) -> int | None:
        return self.held.pop(linkedid, None)


@dataclass
class AmiTranslator:
    """Turns AMI messages into CTI events. Pure (no I/O), so it is tested on recorded transcripts."""

    trunk_contexts: frozenset[str]
    number: str = ""  # the 代表番号; empty: any number dialled into a trunk context
    book: LineBook = field(default_factory=LineBook)
    now: Callable[[], datetime.datetime] = lambda: datetime.datetime.now(tz=datetime.UTC)
    overflowed: set[str] = field(default_factory=set)

    def feed(self, message: dict[str, str]) -> list[CtiEventOut]:
        name = message.get("Event", "")
        linkedid = message.get("Linkedid", "")
        if not name or not linkedid:
            return []
        at = event_time(message, self.now)
        if name == "Newchannel":
            if message.get("Uniqueid") != linkedid or message.get("Context") not in self.trunk_contexts:
                return []
            dialled = message.get("Exten", "")
            if self.number and dialled not in (self.number, "s"):
                return []
            caller = message.get("CallerIDNum", "")
            caller = "" if caller in ("<unknown>", "anonymous") else caller
            line = self.book.take(linkedid)
            if line is None:
                self.overflowed.add(linkedid)
                return [
                    CtiEventOut("overflow", linkedid, at, None, "inbound", caller, self.number or dialled)
                ]
            return [CtiEventOut("newCall", linkedid, at, line, "inbound", caller, self.number or dialled)]
        line = self.book.held.get(linkedid)
        if name in ("DialEnd", "AgentConnect"):
            if line is None or (name == "DialEnd" and message.get("DialStatus") != "ANSWER"):
                return []
            return [CtiEventOut("answer", linkedid, at, line)]
        if name == "Hangup" and message.get("Uniqueid") == linkedid:
            if linkedid in self.overflowed:
                self.overflowed.discard(linkedid)
                return []
            released = self.book.release(linkedid)
            if released is None:
                return []
            return [CtiEventOut("hangup", linkedid, at, released)]
        return []

    def keep_live(self, channels: list[dict[str, str]]) -> None:
        """After a reconnect: keep the lines of calls still up, forget the ones that ended meanwhile."""
        live = {c.get("Linkedid", "") for c in channels}
        for linkedid in list(self.book.held):
            if linkedid not in live:
                self.book.release(linkedid)


Apply = Callable[[CtiEventOut], Awaitable[Any]]


class AmiClient:
    """Log in, read events, hand each CTI event to `apply`, reconnect after a PBX restart (growing pause)."""

    def __init__(
        self,
        *,
        host: str,
        port: int,
        username: str,
        secret: str,
        translator: AmiTranslator,
        apply: Apply,
        retry_seconds: float = 1.0,
        max_retry_seconds: float = 30.0,
    ) -> None:
        self.host, self.port, self.username, self.secret = host, port, username, secret
        self.translator, self.apply = translator, apply
        self.retry_seconds, self.max_retry_seconds = retry_seconds, max_retry_seconds
        self.connections = 0
        self.stopping = asyncio.Event()

    async def run(self, *, max_connections: int | None = None) -> None:
        pause = self.retry_seconds
        while not self.stopping.is_set():
            if max_connections is not None and self.connections >= max_connections:
                return
            try:
                await self.session()
                pause = self.retry_seconds
            except (OSError, asyncio.IncompleteReadError, ConnectionError) as exc:
                logger.warning("AMI connection lost (%s); reconnecting in %.0f s", type(exc).__name__, pause)
            if self.stopping.is_set() or (
                max_connections is not None and self.connections >= max_connections
            ):
                return
            await asyncio.sleep(pause)
            pause = min(pause * 2, self.max_retry_seconds)

    async def session(self) -> None:
        reader, writer = await asyncio.open_connection(self.host, self.port)
        self.connections += 1
        try:
            await reader.readline()  # "Asterisk Call Manager/…"
            await self.send(
                writer, Action="Login", Username=self.username, Secret=self.secret, Events="call,agent"
            )
            login = parse_block(await self.read_message(reader))
            if login.get("Response") != "Success":
                raise PermissionError(f"AMI login refused: {login.get('Message', '')}")
            logger.info("AMI logged in to %s:%s", self.host, self.port)
            await self.send(writer, Action="CoreShowChannels", ActionID="madoguchi-resync")
            channels: list[dict[str, str]] = []
            resyncing = True
            while not self.stopping.is_set():
                message = parse_block(await self.read_message(reader))
                if resyncing and message.get("ActionID") == "madoguchi-resync":
                    if message.get("Event") == "CoreShowChannel":
                        channels.append(message)
                    elif message.get("Event") == "CoreShowChannelsComplete":
                        self.translator.keep_live(channels)
                        resyncing = False
                    continue
                for event in self.translator.feed(message):
                    await self.apply(event)
        finally:
            writer.close()

    @staticmethod
    async def read_message(reader: asyncio.StreamReader) -> str:
        data = await reader.readuntil(b"\r\n\r\n")
        return data.decode("utf-8", "replace")

    @staticmethod
    async def send(writer: asyncio.StreamWriter, **fields: str) -> None:
        writer.write("".join(f"{k}: {v}\r\n" for k, v in fields.items()).encode() + b"\r\n")
        await writer.drain()

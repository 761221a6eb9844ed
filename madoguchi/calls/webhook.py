"""A generic webhook mapping for cloud PBXs: their JSON, with their field names, becomes one madoguchi CTI event.

`MADOGUCHI_CTI_WEBHOOK_MAP` (JSON, environment or `_FILE`) names where each field is in the PBX's body (dotted
paths into nested objects) and how its event and cause words translate:

    {"event": "type", "callId": "call.id", "time": "timestamp", "line": "", "from": "call.from",
     "to": "call.to", "extension": "agent.extension", "cause": "call.end_reason",
     "events": {"call.ringing": "newCall", "call.answered": "answer", "call.ended": "hangup",
                "call.missed_overflow": "overflow"},
     "causes": {"normal": "answered", "busy": "busy", "no_answer": "no_answer", "abandoned": "caller_hung_up"}}

An event word that is not in "events" is ignored (PBXs send many kinds: recording ready, transfer, …); every
other value is checked as for POST /api/cti/events.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError

FIELDS = ("event", "callId", "time", "line", "direction", "from", "to", "extension", "cause")


def dig(body: Any, path: str) -> Any:
    """The value at a dotted path ("call.from.number"), or None."""
    value = body
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def map_webhook(body: dict[str, Any], mapping: dict[str, Any]) -> dict[str, Any] | None:
    """The madoguchi event for a PBX webhook body, or None for a kind of event madoguchi does not use."""
    if not mapping:
        raise ValidationError("MADOGUCHI_CTI_WEBHOOK_MAP が設定されていません（docs/calls.md 参照）。")
    out: dict[str, Any] = {}
    for name in FIELDS:
        path = mapping.get(name) or ""
        out[name] = dig(body, path) if path else None
    word = "" if out["event"] is None else str(out["event"])
    events: dict[str, str] = mapping.get("events") or {}
    if word not in events:
        return None
    out["event"] = events[word]
    if out["cause"] is not None:
        causes: dict[str, str] = mapping.get("causes") or {}
        cause = str(out["cause"])
        if cause not in causes:
            raise ValidationError(
                {"cause": [f"終話の理由「{cause[:30]}」の対応が MADOGUCHI_CTI_WEBHOOK_MAP にありません。"]}
            )
        out["cause"] = causes[cause]
    if out["callId"] is None or out["time"] is None:
        missing = [n for n in ("callId", "time") if out[n] is None]
        raise ValidationError(
            {
                n: [f"{n} が見つかりません（MADOGUCHI_CTI_WEBHOOK_MAP の「{mapping.get(n, '')}」）。"]
                for n in missing
            }
        )
    out["callId"] = str(out["callId"])
    if out["line"] is not None:
        try:
            out["line"] = int(out["line"])
        except (TypeError, ValueError):
            raise ValidationError({"line": [f"line「{out['line']}」は回線番号として読めません。"]}) from None
    for name in ("direction", "from", "to", "extension", "cause"):
        out[name] = "" if out[name] is None else str(out[name])
    out["direction"] = out["direction"] or "inbound"
    return out

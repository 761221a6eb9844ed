"""`madoguchi cti_ami`: the Asterisk/FreePBX AMI adapter daemon (see madoguchi/calls/ami.py, docs/calls.md)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from madoguchi.calls import services
from madoguchi.calls.ami import AmiClient, AmiTranslator, CtiEventOut

logger = logging.getLogger("madoguchi.calls.ami")


def apply_event(event: CtiEventOut) -> bool:
    """Apply one translated event; a refused one is logged (no personal data) and the stream goes on."""
    try:
        result = services.cti_event_apply(
            kind=event.kind,
            call_id=event.call_id,
            at=event.at,
            line=event.line,
            direction=event.direction,
            from_number=event.from_number,
            to_number=event.to_number,
        )
    except ValidationError as exc:
        logger.warning("CTI event refused: %s %s: %s", event.kind, event.call_id, "; ".join(exc.messages))
        return False
    return result.applied


def make_client(**overrides: Any) -> AmiClient:
    options: dict[str, Any] = {
        "host": settings.MADOGUCHI_AMI_HOST,
        "port": settings.MADOGUCHI_AMI_PORT,
        "username": settings.MADOGUCHI_AMI_USERNAME,
        "secret": settings.MADOGUCHI_AMI_SECRET,
        "translator": AmiTranslator(
            trunk_contexts=frozenset(settings.MADOGUCHI_AMI_CONTEXTS), number=settings.MADOGUCHI_AMI_NUMBER
        ),
        "apply": sync_to_async(apply_event, thread_sensitive=True),
    }
    options.update(overrides)
    return AmiClient(**options)


class Command(BaseCommand):
    help = "Asterisk/FreePBX の AMI に接続し、代表番号（6回線）の着信・応答・終話を CTI イベントとして記録します。"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default=None)
        parser.add_argument("--port", type=int, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.MADOGUCHI_AMI_SECRET:
            raise CommandError("MADOGUCHI_AMI_SECRET（または MADOGUCHI_AMI_SECRET_FILE）を設定してください。")
        overrides = {k: v for k, v in (("host", options["host"]), ("port", options["port"])) if v}
        client = make_client(**overrides)
        self.stdout.write(f"AMI {client.host}:{client.port} に接続します（Ctrl+C で終了）。")
        try:
            asyncio.run(client.run())
        except KeyboardInterrupt:
            self.stdout.write("終了しました。")

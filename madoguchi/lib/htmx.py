"""One view renders the whole page or, for an htmx request, only its fragment (after NetBox)."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone


def render_page_or_fragment(
    request: HttpRequest, page: str, fragment: str, context: dict[str, Any], *, status: int = 200
) -> HttpResponse:
    """Render `fragment` for htmx requests that do not target the whole page, else `page`."""
    htmx = getattr(request, "htmx", None)
    if htmx and not htmx.boosted:
        return render(request, fragment, context, status=status)
    return render(request, page, context, status=status)


def queued_key(request: HttpRequest) -> uuid.UUID | None:
    """The idempotency key the tablet's queue sends with each tap (none from a plain form post)."""
    try:
        return uuid.UUID(request.POST.get("key", ""))
    except ValueError:
        return None


def queued_at(request: HttpRequest) -> datetime.datetime | None:
    """When the tap was made on the tablet (ISO 8601 with offset), if the queue says so."""
    try:
        at = datetime.datetime.fromisoformat(request.POST.get("at", ""))
    except ValueError:
        return None
    return at if timezone.is_aware(at) else None

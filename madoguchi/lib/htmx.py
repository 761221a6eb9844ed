"""One view renders the whole page or, for an htmx request, only its fragment (after NetBox)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def render_page_or_fragment(
    request: HttpRequest, page: str, fragment: str, context: dict[str, Any], *, status: int = 200
) -> HttpResponse:
    """Render `fragment` for htmx requests that do not target the whole page, else `page`."""
    htmx = getattr(request, "htmx", None)
    if htmx and not htmx.boosted:
        return render(request, fragment, context, status=status)
    return render(request, page, context, status=status)

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.conf import settings
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse


def nav_for(user: Any) -> list[dict[str, str]]:
    """Navigation from every app's AppConfig.nav_items = [(label, url name, permission or None)]."""
    items = []
    for config in apps.get_app_configs():
        for label, url_name, perm in getattr(config, "nav_items", []):
            if perm is None or user.has_perm(perm):
                try:
                    items.append({"label": label, "url": reverse(url_name), "app": config.label})
                except NoReverseMatch:
                    continue
    return items


def shell(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    return {
        "city_name": settings.MADOGUCHI_CITY_NAME,
        "demo_mode": getattr(settings, "MADOGUCHI_DEMO", False),
        "two_factor_required_roles": settings.MADOGUCHI_REQUIRE_2FA_ROLES,
        "nav_items": nav_for(user) if user is not None and user.is_authenticated else [],
    }

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.conf import settings
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from .roles import Role

# Which apps come first for each role: the work a person does most sits at the top of the menu and the dashboard.
ROLE_APP_ORDER: dict[str, list[str]] = {
    Role.OPERATOR: ["calls", "reservations", "faq", "cards"],
    Role.BACK_OFFICE: ["cards", "reservations"],
    Role.FLOOR: ["floor", "outreach", "reservations", "calls"],
    Role.SITE_MANAGER: ["staffing", "calls", "cards", "reservations", "reports"],
    Role.DIRECTOR: ["reports", "incidents", "staffing", "calls", "cards"],
    Role.CITY_STAFF: ["reports", "faq", "incidents", "calls"],
    Role.ADMIN: ["accounts"],
}


def app_order(user: Any) -> list[str]:
    """App labels in the order that suits the user's roles; other apps keep INSTALLED_APPS order after them."""
    preferred: list[str] = []
    for role in Role:
        if user.has_role(role):
            preferred += [a for a in ROLE_APP_ORDER.get(role, []) if a not in preferred]
    labels = [c.label for c in apps.get_app_configs()]
    return preferred + [label for label in labels if label not in preferred]


def nav_for(user: Any) -> list[dict[str, str]]:
    """The links the user may follow, flat: [{"label", "url", "app"}] (other apps check what a role can reach)."""
    return [{**item, "app": group["app"]} for group in nav_groups_for(user) for item in group["items"]]


def nav_groups_for(user: Any) -> list[dict[str, Any]]:
    """Menu groups, one per app, from AppConfig.nav_items = [(label, url name, permission or None)]."""
    configs = {c.label: c for c in apps.get_app_configs()}
    groups = []
    for label in app_order(user):
        config = configs[label]
        items = []
        for item_label, url_name, perm in getattr(config, "nav_items", []):
            if perm is None or user.has_perm(perm):
                try:
                    items.append({"label": item_label, "url": reverse(url_name)})
                except NoReverseMatch:
                    continue
        if items:
            groups.append(
                {"app": label, "label": getattr(config, "nav_label", config.verbose_name), "items": items}
            )
    return groups


def shell(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    groups = nav_groups_for(user) if user is not None and user.is_authenticated else []
    return {
        "city_name": settings.MADOGUCHI_CITY_NAME,
        "demo_mode": getattr(settings, "MADOGUCHI_DEMO", False),
        "two_factor_required_roles": settings.MADOGUCHI_REQUIRE_2FA_ROLES,
        "nav_groups": groups,
        "nav_items": [item for group in groups for item in group["items"]],
    }

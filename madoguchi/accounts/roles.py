"""Roles are Django groups; each app declares what its permissions mean for each role.

An app's AppConfig may define `role_permissions = {Role.X: ["app_label.codename", ...]}`;
`sync_roles()` gathers them into the groups. Deny by default: a role has only what is listed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.apps import apps
from django.db import models

logger = logging.getLogger(__name__)


class Role(models.TextChoices):
    OPERATOR = "operator", "オペレーター"
    BACK_OFFICE = "back_office", "交付事務（バックオフィス）"
    FLOOR = "floor", "フロア案内"
    SITE_MANAGER = "site_manager", "業務管理者"
    DIRECTOR = "director", "統括管理者"
    CITY_STAFF = "city_staff", "市職員"
    ADMIN = "admin", "システム管理者"


STAFF_ROLES = (Role.OPERATOR, Role.BACK_OFFICE, Role.FLOOR, Role.SITE_MANAGER, Role.DIRECTOR)
MANAGER_ROLES = (Role.SITE_MANAGER, Role.DIRECTOR)
ALL_ROLES = tuple(Role)


def role_permissions() -> dict[str, set[str]]:
    """Every role's permissions, gathered from every installed app's AppConfig.role_permissions."""
    result: dict[str, set[str]] = {role.value: set() for role in Role}
    for config in apps.get_app_configs():
        declared: dict[str, Iterable[str]] = getattr(config, "role_permissions", {}) or {}
        for role, perms in declared.items():
            result[str(role)].update(perms)
    return result


def sync_roles(verbosity: int = 0) -> None:
    """Create one group per role and set its permissions exactly as declared (removing others)."""
    from django.contrib.auth.models import Group, Permission

    wanted = role_permissions()
    all_perms = {
        f"{p.content_type.app_label}.{p.codename}": p
        for p in Permission.objects.select_related("content_type")
    }
    for role in Role:
        group, _ = Group.objects.get_or_create(name=role.value)
        missing = sorted(wanted[role.value] - set(all_perms))
        if missing and verbosity:
            # Permissions appear after their app's migrations; a partial migrate run leaves them out.
            logger.warning("role %s: permissions not yet created: %s", role.value, ", ".join(missing))
        group.permissions.set([all_perms[name] for name in wanted[role.value] if name in all_perms])

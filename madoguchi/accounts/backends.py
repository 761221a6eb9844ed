"""Permissions from the role map, without a permission query per request.

Groups are synchronised from the apps' `role_permissions` declarations (roles.sync_roles), so "what may this
role do" is known in process memory. This backend answers `has_perm` from that map and the user's roles (one
query for the user's groups, cached on the user object and shared with the 2FA middleware). ModelBackend stays
after it for everything else (superusers, individual permissions, denials) — a refusal here is never final.
"""

from __future__ import annotations

import functools
from typing import Any

from django.contrib.auth.backends import ModelBackend


@functools.cache
def _role_map() -> dict[str, frozenset[str]]:
    from .roles import role_permissions

    return {role: frozenset(perms) for role, perms in role_permissions().items()}


def role_allows(roles: set[str], perm: str) -> bool:
    table = _role_map()
    return any(perm in table.get(role, ()) for role in roles)


class RolePermissionBackend(ModelBackend):
    """Never authenticates (ModelBackend does); loads a session's user like ModelBackend (force_login picks it)."""

    def authenticate(self, request: Any, username: Any = None, password: Any = None, **kwargs: Any) -> None:
        return None

    def has_perm(self, user_obj: Any, perm: str, obj: Any = None) -> bool:
        if obj is not None or not getattr(user_obj, "is_active", False):
            return False
        roles: set[str] = getattr(user_obj, "roles", None) or set()
        return role_allows(roles, perm)

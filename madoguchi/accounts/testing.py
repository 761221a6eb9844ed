"""Base test case with one named persona per role (after Healthchecks' hc/test.py)."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.auth.models import Group
from django.test import TestCase

from madoguchi.calendar.models import Office

from .models import User
from .roles import Role, sync_roles

PASSWORD = "correct-horse-battery-staple"

PERSONAS = {
    "operator": Role.OPERATOR,
    "back_office": Role.BACK_OFFICE,
    "floor": Role.FLOOR,
    "site_manager": Role.SITE_MANAGER,
    "director": Role.DIRECTOR,
    "city_staff": Role.CITY_STAFF,
    "admin": Role.ADMIN,
}


def make_user(username: str, role: str | None, display_name: str = "") -> User:
    user = User.objects.create_user(
        username=username, password=PASSWORD, display_name=display_name or username
    )
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


def make_offices() -> dict[str, Office]:
    main = Office.objects.create(
        code="honcho",
        name="本庁",
        kind=Office.Kind.MAIN,
        thursday_evening=True,
        busy_season_evening=True,
        sort_order=0,
    )
    branch = Office.objects.create(
        code="tanushimaru", name="田主丸総合支所", kind=Office.Kind.BRANCH, sort_order=1
    )
    return {"honcho": main, "tanushimaru": branch}


class BaseTestCase(TestCase):
    """Personas: self.operator (Alice), self.back_office (Bob), self.floor (Chika), self.site_manager (Daichi),
    self.director (Emi), self.city_staff (Fumio), self.admin (Goro), self.nobody (no role).
    Offices: self.main_office (本庁, evening extension), self.branch_office (田主丸, no extension)."""

    operator: User
    back_office: User
    floor: User
    site_manager: User
    director: User
    city_staff: User
    admin: User
    nobody: User
    main_office: Office
    branch_office: Office

    @classmethod
    def setUpTestData(cls) -> None:
        sync_roles()
        names = ["Alice", "Bob", "Chika", "Daichi", "Emi", "Fumio", "Goro"]
        for (attr, role), name in zip(PERSONAS.items(), names, strict=True):
            setattr(cls, attr, make_user(name.lower(), role, name))
        cls.nobody = make_user("nobody", None)
        offices = make_offices()
        cls.main_office = offices["honcho"]
        cls.branch_office = offices["tanushimaru"]

    def login(self, persona: User) -> None:
        self.client.force_login(persona)

    def assert_role_matrix(
        self,
        url: str,
        allowed: set[str] | list[str] | tuple[str, ...],
        *,
        method: str = "get",
        data: dict[str, Any] | None = None,
        ok_status: int = 200,
    ) -> None:
        """Every persona: allowed roles get ok_status, everyone else 403. Anonymous is sent to login."""
        allowed = {str(r) for r in allowed}
        for attr, role in PERSONAS.items():
            user = getattr(self, attr)
            self.client.force_login(user)
            response = getattr(self.client, method)(url, data or {})
            expected = ok_status if role.value in allowed else 403
            self.assertEqual(
                response.status_code,
                expected,
                f"{role.value} {method.upper()} {url}: expected {expected}, got {response.status_code}",
            )
        self.client.logout()
        response = getattr(self.client, method)(url, data or {})
        self.assertIn(response.status_code, (302, 401, 403), f"anonymous {method.upper()} {url}")


def run_together(functions: list[Any]) -> list[Any]:
    """Run each function in its own thread, all released at once (a barrier); return each result or exception.

    For concurrency tests on PostgreSQL (TransactionTestCase): each thread closes its own database connection.
    """
    import threading

    from django.db import connection

    barrier = threading.Barrier(len(functions))
    results: list[Any] = [None] * len(functions)

    def runner(i: int, fn: Any) -> None:
        try:
            barrier.wait()
            results[i] = fn()
        except Exception as exc:  # noqa: BLE001 - the test inspects what each thread met
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=runner, args=(i, fn)) for i, fn in enumerate(functions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def date(value: str) -> datetime.date:
    return datetime.date.fromisoformat(value)

"""Schemathesis against the OpenAPI schema: generated inputs (bounds, wrong types, huge numbers, long strings …) for
every operation, sent as a signed-in director (with the CTI token for the PBX endpoint), must never give a server
error. Bounded examples per operation so it stays short (SCHEMATHESIS_EXAMPLES raises it)."""

from __future__ import annotations

import json
import os
from urllib.parse import urlencode

import schemathesis
from hypothesis import HealthCheck, settings

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "8"))


@__import__("pytest").fixture
def staff_client(db):  # type: ignore[no-untyped-def]
    from django.test import Client

    from madoguchi.accounts.roles import Role, sync_roles
    from madoguchi.accounts.testing import make_offices, make_user

    client = Client(raise_request_exception=False)  # a server error is a 500 answer, found and reported
    sync_roles()
    make_offices()
    client.force_login(make_user("fuzz", Role.DIRECTOR))
    return client


def call(client, case):  # type: ignore[no-untyped-def]
    from django.conf import settings as dj
    from schemathesis.core import NOT_SET

    path = case.formatted_path
    if case.query and case.query is not NOT_SET:
        path += "?" + urlencode(case.query, doseq=True)
    body = None if case.body is NOT_SET else case.body
    if body is not None and not isinstance(body, bytes | str):
        body = json.dumps(body)
    return client.generic(
        case.method.upper(),
        path,
        data=body or "",
        content_type="application/json",
        headers={"Authorization": f"Bearer {dj.MADOGUCHI_CTI_TOKEN}"} if "/cti/" in path else None,
    )


def test_no_operation_answers_with_a_server_error_or_invalid_json(staff_client):  # type: ignore[no-untyped-def]
    from hypothesis import given

    # The schema itself is for signed-in staff only.
    schema = schemathesis.openapi.from_dict(staff_client.get("/api/openapi.json").json())
    operations = [result.ok() for result in schema.get_all_operations()]
    assert operations
    failures = []
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def run(case):  # type: ignore[no-untyped-def]
            response = call(staff_client, case)
            if response.status_code >= 500:
                failures.append((case.method, case.formatted_path, case.query, response.status_code))
                return
            if response.get("Content-Type", "").startswith("application/json"):
                try:
                    json.loads(
                        response.content, parse_constant=lambda c: (_ for _ in ()).throw(ValueError(c))
                    )
                except ValueError:
                    failures.append((case.method, case.formatted_path, case.query, "invalid JSON"))

        run()
    assert failures == [], failures


def test_the_erlang_calculator_refuses_inputs_that_would_hang_or_give_nan_in_japanese(staff_client):  # type: ignore[no-untyped-def]
    for query in [
        "model=c&max_agents=100000000&calls_per_hour=10&aht_seconds=100&target=0.1",
        "calls_per_hour=inf&aht_seconds=100&agents=3",
        "calls_per_hour=nan&aht_seconds=100&agents=3",
        "calls_per_hour=100000&aht_seconds=3600&target=0.05&model=a",
        "calls_per_hour=10&aht_seconds=0&agents=1",
    ]:
        response = staff_client.get("/api/staffing/erlang?" + query)
        assert response.status_code == 422, (query, response.content)
        assert any("\u3040" <= ch <= "\u30ff" for ch in response.json()["detail"]), query

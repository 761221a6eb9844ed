"""Schemathesis against the OpenAPI schema: generated inputs (bounds, wrong types, huge numbers, long strings …) for
every operation, sent as a signed-in director (with the CTI token for the PBX endpoint), must never give a server
error, and every answer — errors included — must be one the schema documents (status code, content type, body:
the Japanese ErrorOut for 400/401/403/404/409/422). Bounded examples per operation so it stays short
(SCHEMATHESIS_EXAMPLES raises it)."""

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


def as_schemathesis_response(response, case):  # type: ignore[no-untyped-def]
    """The Django test client's answer in the form schemathesis checks."""
    import requests
    from schemathesis.core.transport import Response

    request = requests.Request(case.method.upper(), "http://testserver" + case.formatted_path).prepare()
    return Response(
        status_code=response.status_code,
        headers={name: [value] for name, value in response.items()},
        content=response.content,
        request=request,
        elapsed=0.0,
        verify=False,
    )


def test_no_operation_answers_with_a_server_error_or_invalid_json(staff_client):  # type: ignore[no-untyped-def]
    from hypothesis import given
    from schemathesis.core.failures import Failure, FailureGroup
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    conformance = [status_code_conformance, content_type_conformance, response_schema_conformance]

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
                    return
            # The answer is one the schema documents (status, content type, body): errors too (ErrorOut).
            try:
                case.validate_response(as_schemathesis_response(response, case), checks=conformance)
            except (Failure, FailureGroup) as exc:
                failures.append((case.method, case.formatted_path, response.status_code, str(exc)[:300]))

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


def test_the_conformance_check_catches_an_answer_the_schema_does_not_document(staff_client):  # type: ignore[no-untyped-def]
    from schemathesis.core.failures import Failure, FailureGroup
    from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

    schema = schemathesis.openapi.from_dict(staff_client.get("/api/openapi.json").json())
    operation = schema["/api/incidents/open"]["GET"]
    case = operation.Case()
    checks = [status_code_conformance, response_schema_conformance]
    good = staff_client.get("/api/incidents/open")
    case.validate_response(as_schemathesis_response(good, case), checks=checks)
    from django.http import JsonResponse

    for wrong in (JsonResponse({"detail": "x"}, status=418), JsonResponse({"message": "英語"}, status=403)):
        try:
            case.validate_response(as_schemathesis_response(wrong, case), checks=checks)
        except (Failure, FailureGroup):
            continue
        raise AssertionError(f"{wrong.status_code} {wrong.content!r} passed the conformance check")


def test_every_operation_documents_its_error_answers_in_japanese(staff_client):  # type: ignore[no-untyped-def]
    spec = staff_client.get("/api/openapi.json").json()
    error = {"$ref": "#/components/schemas/ErrorOut"}
    missing = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            wanted = {"400", "403", "404", "409", "422"} | ({"401"} if operation.get("security") else set())
            for status in wanted:
                answer = operation["responses"].get(status, {})
                if answer.get("content", {}).get("application/json", {}).get("schema") != error:
                    missing.append(f"{method.upper()} {path} {status}")
                elif answer["description"].isascii():
                    missing.append(f"{method.upper()} {path} {status}: description not in Japanese")
    assert missing == []
    assert spec["components"]["schemas"]["ErrorOut"]["required"] == ["detail"]


def test_error_answers_are_japanese_error_bodies(staff_client):  # type: ignore[no-untyped-def]
    from django.test import Client

    anonymous = Client().get("/api/incidents/open")
    assert (anonymous.status_code, anonymous.json()) == (
        401,
        {"detail": "ログインしてください（API トークンを使う連携では、トークンを確かめてください）。"},
    )
    missing = staff_client.get("/api/reservations/ZZZ-999")
    assert missing.status_code == 404 and not missing.json()["detail"].isascii()
    nul = staff_client.post(
        "/api/floor/taps",
        data={"office": "honcho\u0000", "purpose": "pickup"},
        content_type="application/json",
    )
    assert nul.status_code == 422 and nul.json()["errors"][0]["type"] == "nul"
    nul_query = staff_client.get("/api/floor/counts?office=%00")
    assert nul_query.status_code == 422
    negative = staff_client.get("/api/reservations/slots?office=honcho&limit=-1")  # found by this fuzzing
    assert (negative.status_code, negative.json()) == (
        400,
        {"detail": "limit は 1〜500 で指定してください。"},
    )

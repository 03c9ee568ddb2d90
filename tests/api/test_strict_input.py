"""Input is taken as JSON types it: a boolean is not a number, a number is not a boolean, a
numeric string is not a number, in a body, a query, a path or a form. Each refusal is a 422
problem+json naming the field, and reaches no engine."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import bearer
from tests.api.fake_engine import FakeEngine
from tests.api.test_problems import assert_problem

CSV = (
    b"invoice_id,payer,merchant,amount,currency,method,due_date\nA-1,p,m,1.00,USD,card,2099-01-01\n"
)


def refused_fields(answer: Any) -> set[str]:
    body = assert_problem(answer, 422)
    assert body["type"] == "urn:invoicesim:problem:validation-error"
    return {str(e["field"]) for e in body["errors"]}  # type: ignore[attr-defined]


INVOICES, TEMPO, FAULTS = (
    "/api/v1/invoices",
    "/api/v1/providers/tempo",
    "/api/v1/providers/tempo/faults",
)


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        ("POST", INVOICES, {"amount_minor": True}, "body.amount_minor"),
        ("POST", INVOICES, {"amount_minor": "100"}, "body.amount_minor"),
        ("POST", INVOICES, {"amount_minor": 100.5}, "body.amount_minor"),
        ("POST", INVOICES, {"amount_minor": 1, "due_date": 20990101}, "body.due_date"),
        ("POST", INVOICES, {"amount_minor": 1, "due_date": "2099-02-30"}, "body.due_date"),
        ("POST", INVOICES, {"amount_minor": 1, "currency": 1}, "body.currency"),
        ("PATCH", TEMPO, {"enabled": 0}, "body.enabled"),
        ("PATCH", TEMPO, {"enabled": "false"}, "body.enabled"),
        ("PATCH", TEMPO, {"priority": True}, "body.priority"),
        ("PATCH", TEMPO, {"open_s": "5"}, "body.open_s"),
        ("POST", FAULTS, {"kind": "latency", "extra_latency_ms": False}, "body.extra_latency_ms"),
        ("POST", f"{INVOICES}/i-1/pay", {"method": 1}, "body.method"),
    ],
)
def test_a_body_value_of_another_json_type_is_a_422_naming_the_field(
    client: TestClient,
    engine: FakeEngine,
    tokens: dict[str, str],
    method: str,
    path: str,
    body: dict[str, Any],
    field: str,
) -> None:
    answer = client.request(method, path, json=body, headers=bearer(tokens["admin"]))
    assert refused_fields(answer) == {field}
    assert engine.commands == []


def test_a_body_takes_a_whole_number_written_as_a_float_and_a_date_as_its_text(
    client: TestClient, engine: FakeEngine, tokens: dict[str, str]
) -> None:
    """JSON has one number type, and the schema's integer is any whole number (9.0 is 9)."""
    answer = client.patch(
        "/api/v1/providers/tempo",
        json={"priority": 9.0, "open_s": 5},
        headers=bearer(tokens["admin"]),
    )
    assert answer.status_code == 200, answer.text
    (change,) = engine.commands
    assert (change.priority, type(change.priority), change.open_s) == (9, int, 5.0)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("limit=true", "query.limit"),
        ("limit=5.5", "query.limit"),
        ("limit=1_0", "query.limit"),
        ("limit=%205", "query.limit"),
        ("limit=%2B5", "query.limit"),
        ("limit=05", "query.limit"),
        ("limit=", "query.limit"),
        ("limit=1&limit=2", "query.limit"),
        ("limt=5", "query.limt"),
        ("status=paid&offset=1e3", "query.offset"),
    ],
)
def test_a_query_parameter_is_a_json_number_given_once_and_known_to_the_route(
    client: TestClient, tokens: dict[str, str], query: str, field: str
) -> None:
    answer = client.get(f"/api/v1/invoices?{query}", headers=bearer(tokens["consumer"]))
    assert refused_fields(answer) == {field}


def test_well_written_numbers_pass_in_a_query_and_a_path(
    client: TestClient, tokens: dict[str, str]
) -> None:
    token = bearer(tokens["admin"])
    assert client.get("/api/v1/invoices?limit=10&offset=0", headers=token).status_code == 200
    assert client.get("/api/v1/invoices?limit=10.0", headers=token).status_code == 200
    timeline = "/api/v1/providers/health/timeline?since_s=1e1&limit=5"
    assert client.get(timeline).status_code == 200
    assert refused_fields(client.get("/api/v1/providers/health/timeline?since_s=.5")) == {
        "query.since_s"
    }
    assert refused_fields(client.get("/api/v1/invoices/bulk/05", headers=token)) == {"path.job_id"}
    assert refused_fields(client.get("/api/v1/providers/health?verbose=1")) == {"query.verbose"}


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ([("provider", (None, "tempo")), ("provider", (None, "auto"))], "body.provider"),
        ([("provider", (None, ""))], "body.provider"),
        ([("extra", (None, "1"))], "body.extra"),
        ([("file", ("b.csv", CSV))], "body.file"),
    ],
)
def test_a_form_field_is_given_once_not_empty_and_known_to_the_route(
    client: TestClient,
    engine: FakeEngine,
    tokens: dict[str, str],
    fields: list[tuple[str, Any]],
    field: str,
) -> None:
    files = [("file", ("a.csv", CSV)), *fields]
    answer = client.post("/api/v1/invoices/bulk", files=files, headers=bearer(tokens["admin"]))
    assert refused_fields(answer) == {field}
    assert engine.commands == []


def test_the_schema_closes_the_upload_form_and_says_what_file_it_takes(
    client: TestClient,
) -> None:
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    form = schemas["Body_upload_api_v1_invoices_bulk_post"]
    assert form["additionalProperties"] is False
    assert form["properties"]["file"]["pattern"].startswith("^invoice_id,payer,merchant,")

"""What schemathesis found (tests/api/test_schemathesis.py), pinned: the OpenAPI schema says
what the routes do."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from storage.database import Database
from tests.api.conftest import bearer
from tests.api.fake_engine import FakeEngine
from ui.api import ApiSettings, create_app


def operation(client: TestClient, method: str, path: str) -> dict[str, Any]:
    schema = client.get("/openapi.json").json()
    found: dict[str, Any] = schema["paths"][path][method]
    return found


def test_a_405_allows_every_method_of_the_resource_not_just_the_first_route(
    client: TestClient,
) -> None:
    answer = client.options("/api/v1/invoices")
    assert answer.status_code == 405
    assert answer.headers["allow"] == "GET, HEAD, POST"
    assert answer.json()["detail"].endswith("allowed: GET, HEAD, POST")
    assert client.put("/api/v1/providers/tempo/faults").headers["allow"] == "DELETE, POST"
    # /invoices/bulk also matches /invoices/{invoice_id}: the literal path is the resource
    assert client.options("/api/v1/invoices/bulk").headers["allow"] == "POST"


def test_the_page_limit_in_the_schema_is_the_servers_max_page_size(
    migrated_database: Database, engine: FakeEngine, tokens: dict[str, str]
) -> None:
    app = create_app(ApiSettings(max_page_size=20), migrated_database, engine)
    with TestClient(app) as client:
        params = operation(client, "get", "/api/v1/invoices")["parameters"]
        limit = next(p for p in params if p["name"] == "limit")
        assert {"type": "integer", "minimum": 1, "maximum": 20} in limit["schema"]["anyOf"]
        ok = client.get("/api/v1/invoices?limit=20", headers=bearer(tokens["consumer"]))
        assert ok.status_code == 200
        assert (
            client.get("/api/v1/invoices?limit=21", headers=bearer(tokens["consumer"])).status_code
            == 422
        )


def test_history_days_are_an_enum_of_7_and_30_in_the_schema_and_both_are_served(
    client: TestClient, tokens: dict[str, str]
) -> None:
    (days,) = operation(client, "get", "/api/v1/reserves/history")["parameters"]
    assert days["schema"]["enum"] == [7, 30]
    for n, status in ((7, 200), (30, 200), (14, 422)):
        answer = client.get(f"/api/v1/reserves/history?days={n}", headers=bearer(tokens["admin"]))
        assert answer.status_code == status, answer.text


def test_a_provider_change_needs_one_field_in_the_schema_as_in_the_route(
    client: TestClient, tokens: dict[str, str]
) -> None:
    schema = client.get("/openapi.json").json()
    assert schema["components"]["schemas"]["ProviderChange"]["minProperties"] == 1
    answer = client.patch("/api/v1/providers/tempo", json={}, headers=bearer(tokens["admin"]))
    assert answer.status_code == 422


def test_a_provider_priority_is_documented_within_the_engines_range_1_to_100(
    client: TestClient, tokens: dict[str, str]
) -> None:
    schema = client.get("/openapi.json").json()
    priority = schema["components"]["schemas"]["ProviderChange"]["properties"]["priority"]
    assert {"type": "integer", "minimum": 1, "maximum": 100} in priority["anyOf"]
    for value, status in ((0, 422), (1, 200), (100, 200), (101, 422)):
        answer = client.patch(
            "/api/v1/providers/tempo", json={"priority": value}, headers=bearer(tokens["admin"])
        )
        assert answer.status_code == status, (value, answer.text)


def test_an_invoice_currency_is_one_the_engine_knows_in_the_schema_as_in_the_route(
    client: TestClient, tokens: dict[str, str]
) -> None:
    schema = client.get("/openapi.json").json()
    currency = schema["components"]["schemas"]["NewInvoice"]["properties"]["currency"]
    assert currency["enum"] == ["EUR", "GBP", "JPY", "USD"]
    new = {"amount_minor": 5, "currency": "LPB"}
    answer = client.post("/api/v1/invoices", json=new, headers=bearer(tokens["admin"]))
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "body.currency"


def test_a_body_that_cannot_be_parsed_is_a_documented_400(
    client: TestClient, tokens: dict[str, str]
) -> None:
    headers = bearer(tokens["admin"]) | {"content-type": "application/json"}
    answer = client.patch("/api/v1/providers/tempo", content=b"}\xff\xfe", headers=headers)
    assert answer.status_code == 400
    assert answer.headers["content-type"] == "application/problem+json"
    assert "400" in operation(client, "patch", "/api/v1/providers/{name}")["responses"]
    assert "400" in operation(client, "post", "/api/v1/invoices/bulk")["responses"]


def test_ids_and_the_payer_with_a_nul_or_control_character_are_422_not_a_database_error(
    client: TestClient, tokens: dict[str, str]
) -> None:
    # found by schemathesis: PostgreSQL refuses NUL in text, and the query failed (503)
    admin = bearer(tokens["admin"])
    for path in (
        "/api/v1/runs/compare?a=r%00&b=r",
        "/api/v1/runs/r%00/report",
        "/api/v1/invoices/i%00",
        "/api/v1/invoices/i%09",
    ):
        answer = client.get(path, headers=admin)
        assert answer.status_code == 422, (path, answer.text)
    json = admin | {"content-type": "application/json"}
    for payer in (b"a\\u0000b", b"tab\\there", b"\\ud800"):  # JSON escapes, as sent
        body = b'{"amount_minor": 5, "payer": "' + payer + b'"}'
        answer = client.post("/api/v1/invoices", content=body, headers=json)
        assert answer.status_code == 422, (payer, answer.text)
    pay = client.post(
        "/api/v1/invoices/i/pay",
        json={"method": "card"},
        headers=admin | {"Idempotency-Key": "k\x01"},
    )
    assert pay.status_code == 422, pay.text

"""Every error is RFC 9457 problem+json with a detail a user can act on; limits hold."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from actors.errors import ConflictError, InputError, NotFoundError, UnavailableError
from simulation.commands import CreateInvoice
from storage.database import Database, DatabaseError
from tests.api.conftest import bearer
from tests.api.fake_engine import FakeEngine
from ui.api import ApiSettings, create_app
from ui.api.scenarios import find_scenario

PROBLEM = "application/problem+json"


def assert_problem(answer: object, status: int) -> dict[str, object]:
    from httpx import Response

    assert isinstance(answer, Response)
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == PROBLEM
    body = answer.json()
    assert body["status"] == status
    assert {"type", "title", "detail"} <= set(body)
    assert isinstance(body["detail"], str) and body["detail"]
    return dict(body)


def test_an_unknown_route_is_a_404_problem_pointing_at_the_docs(client: TestClient) -> None:
    assert "/docs" in str(assert_problem(client.get("/api/v1/nothing"), 404)["detail"])


def test_a_wrong_method_is_a_405_problem_naming_the_allowed_ones(client: TestClient) -> None:
    answer = client.put("/api/v1/providers/health")
    assert "GET" in str(assert_problem(answer, 405)["detail"])


def test_an_invalid_body_is_a_422_problem_listing_each_field_path(
    client: TestClient, tokens: dict[str, str]
) -> None:
    answer = client.post(
        "/api/v1/invoices",
        json={"amount_minor": 0, "currency": "usd", "surprise": 1},
        headers=bearer(tokens["consumer"]),
    )
    body = assert_problem(answer, 422)
    fields = {e["field"] for e in body["errors"]}  # type: ignore[attr-defined]
    assert fields == {"body.amount_minor", "body.currency", "body.surprise"}
    assert "body.amount_minor" in str(body["detail"])


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (InputError("amount too large; send at most 1,000,000.00"), 422),
        (NotFoundError("no provider 'x'; the providers are tempo, circle, stripe"), 404),
        (ConflictError("invoice inv-1 is already paid"), 409),
        (UnavailableError("the engine is shutting down; retry later"), 503),
    ],
)
def test_engine_errors_become_problems_with_their_status_and_message(
    client: TestClient, engine: FakeEngine, tokens: dict[str, str], error: Exception, status: int
) -> None:
    engine.answers[CreateInvoice] = error
    answer = client.post(
        "/api/v1/invoices", json={"amount_minor": 5}, headers=bearer(tokens["consumer"])
    )
    assert assert_problem(answer, status)["detail"] == str(error)


def test_an_unexpected_error_is_a_500_problem_that_leaks_nothing(
    client: TestClient, engine: FakeEngine, tokens: dict[str, str]
) -> None:
    engine.answers[CreateInvoice] = RuntimeError("secret internals")
    answer = client.post(
        "/api/v1/invoices", json={"amount_minor": 5}, headers=bearer(tokens["consumer"])
    )
    assert "secret" not in str(assert_problem(answer, 500)["detail"])


def test_reads_without_a_running_scenario_are_503_saying_how_to_start_one(
    client: TestClient, engine: FakeEngine, tokens: dict[str, str]
) -> None:
    engine.run_id = None
    answer = client.get("/api/v1/reserves/balance", headers=bearer(tokens["consumer"]))
    assert "POST /api/v1/scenarios/{name}/start" in str(assert_problem(answer, 503)["detail"])
    assert client.get("/api/v1/providers/health").status_code == 503
    assert client.get("/api/v1/runs", headers=bearer(tokens["consumer"])).status_code == 200


def test_an_unknown_run_report_is_404(client: TestClient, tokens: dict[str, str]) -> None:
    answer = client.get("/api/v1/runs/nope/report", headers=bearer(tokens["consumer"]))
    assert "invoicesim runs list" in str(assert_problem(answer, 404)["detail"])


@pytest.fixture
def small(migrated_database: Database, engine: FakeEngine) -> Iterator[TestClient]:
    settings = ApiSettings(max_body_bytes=1_024, max_csv_bytes=2_048, max_csv_rows=3,
                           max_page_size=20)  # fmt: skip
    with TestClient(create_app(settings, migrated_database, engine)) as test_client:
        yield test_client


def test_a_body_over_the_limit_is_413_before_the_route_runs(
    small: TestClient, engine: FakeEngine, tokens: dict[str, str]
) -> None:
    big = {"amount_minor": 5, "payer": "x" * 2_000}
    answer = small.post("/api/v1/invoices", json=big, headers=bearer(tokens["consumer"]))
    assert_problem(answer, 413)
    assert engine.commands == []


def test_a_streamed_body_over_the_limit_is_413_too(
    small: TestClient, engine: FakeEngine, tokens: dict[str, str]
) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"amount_minor": 5, "payer": "'
        for _ in range(10):
            yield b"x" * 200
        yield b'"}'

    headers = bearer(tokens["consumer"]) | {"content-type": "application/json"}
    answer = small.post("/api/v1/invoices", content=chunks(), headers=headers)
    assert_problem(answer, 413)
    assert engine.commands == []


@pytest.mark.parametrize(
    ("query", "field"),
    [("limit=0", "query.limit"), ("limit=21", "query.limit"), ("offset=-1", "query.offset"),
     ("status=lost", "query.status")],
)  # fmt: skip
def test_page_bounds_are_enforced_with_the_field_named(
    small: TestClient, tokens: dict[str, str], query: str, field: str
) -> None:
    answer = small.get(f"/api/v1/invoices?{query}", headers=bearer(tokens["consumer"]))
    assert [e["field"] for e in assert_problem(answer, 422)["errors"]] == [field]  # type: ignore[attr-defined]


def test_the_openapi_schema_documents_every_route_and_the_bearer_scheme(
    client: TestClient,
) -> None:
    schema = client.get("/openapi.json").json()
    assert len(schema["paths"]) >= 20
    assert "HTTPBearer" in schema["components"]["securitySchemes"]
    assert "Problem" in schema["components"]["schemas"]


def test_a_statement_the_database_refused_is_a_500_that_does_not_quote_the_data() -> None:
    from fastapi import FastAPI
    from sqlalchemy.exc import DataError

    from storage.database import DatabaseError
    from ui.api import problems

    app = FastAPI()
    problems.install(app)

    @app.get("/refused")
    def refused() -> None:
        cause = DataError("SELECT 1", {}, Exception("invalid byte sequence: 'secret\\x00'"))
        raise DatabaseError("db: query failed: invalid byte sequence: 'secret\\x00'") from cause

    answer = TestClient(app, raise_server_exceptions=False).get("/refused")
    assert answer.status_code == 500
    assert answer.json()["type"] == "urn:invoicesim:problem:internal-error"
    assert "secret" not in answer.text and "retry-after" not in answer.headers


def test_a_detail_names_the_database_without_the_servers_folder(
    client: TestClient, engine: FakeEngine, migrated_database: Database, tokens: dict[str, str]
) -> None:
    shown = migrated_database.url_for_display  # what the log and the command line say
    engine.answers[CreateInvoice] = DatabaseError(f"{shown} has not accepted rows for 30 s")
    answer = client.post("/api/v1/invoices", json={"amount_minor": 100}, headers=bearer(
        tokens["admin"]))  # fmt: skip
    detail = str(assert_problem(answer, 503)["detail"])
    assert detail == f"{migrated_database.public_name} has not accepted rows for 30 s"
    assert shown not in answer.text and "/" not in migrated_database.public_name


def test_a_broken_scenario_file_is_named_by_its_name_not_its_path(tmp_path: Path) -> None:
    (tmp_path / "broken.yaml").write_text("name: broken\nseed: nope\n")
    with pytest.raises(InputError) as caught:
        find_scenario(tmp_path, "broken")
    assert str(caught.value).startswith("broken.yaml: ")
    assert str(tmp_path) not in str(caught.value)

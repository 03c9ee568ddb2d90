"""Each command route hands the engine exactly the command its request describes."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from simulation.commands import (
    ClearFault,
    Command,
    ConfigureProvider,
    CreateInvoice,
    PayInvoice,
    Reconcile,
    StartFault,
    SubmitBulk,
)
from tests.api.conftest import bearer
from tests.api.fake_engine import FakeEngine

CSV = (
    b"invoice_id,payer,merchant,amount,currency,method,due_date\nA1,p,m,1.00,USD,card,2025-01-01\n"
)

CASES: list[tuple[str, str, str, dict[str, Any], int, Command]] = [
    ("admin", "PATCH", "/api/v1/providers/tempo", {"json": {"priority": 3, "open_s": 5}}, 200,
     ConfigureProvider("tempo", priority=3, open_s=5.0)),
    ("admin", "POST", "/api/v1/providers/tempo/faults",
     {"json": {"kind": "error_rate", "duration_s": 60, "error_rate": 0.9}}, 201,
     StartFault("tempo", "error_rate", duration_s=60.0, error_rate=0.9)),
    ("admin", "DELETE", "/api/v1/providers/circle/faults", {}, 200, ClearFault("circle")),
    ("admin", "POST", "/api/v1/reserves/reconcile", {}, 200, Reconcile()),
    ("consumer", "POST", "/api/v1/invoices",
     {"json": {"amount_minor": 1250, "currency": "EUR", "method": "card", "payer": "ann"}}, 201,
     CreateInvoice(1250, "EUR", "card", "ann")),
    ("consumer", "POST", "/api/v1/invoices/inv-9/pay", {"json": {"method": "bank"}}, 202,
     PayInvoice("inv-9", "bank")),
    ("enterprise", "POST", "/api/v1/invoices/bulk",
     {"files": {"file": ("jan.csv", CSV)}, "data": {"provider": "circle"}}, 202,
     SubmitBulk(CSV, "circle", "jan.csv")),
    ("enterprise", "POST", "/api/v1/invoices/bulk", {"files": {"file": ("a.csv", CSV)}}, 202,
     SubmitBulk(CSV, None, "a.csv")),
]  # fmt: skip


@pytest.mark.parametrize(
    ("role", "method", "path", "request_", "status", "command"),
    CASES,
    ids=[f"{c[1]} {c[2]}" for c in CASES],
)
def test_a_command_route_submits_the_command_its_request_describes(
    client: TestClient,
    engine: FakeEngine,
    tokens: dict[str, str],
    role: str,
    method: str,
    path: str,
    request_: dict[str, Any],
    status: int,
    command: Command,
) -> None:
    answer = client.request(method, path, headers=bearer(tokens[role]), **request_)
    assert answer.status_code == status, answer.text
    assert engine.commands == [command]


def test_a_created_invoice_answers_its_wallet_and_wall_clock_expiry(
    client: TestClient, engine: FakeEngine, tokens: dict[str, str]
) -> None:
    answer = client.post(
        "/api/v1/invoices", json={"amount_minor": 100}, headers=bearer(tokens["enterprise"])
    )
    body = answer.json()
    assert body["wallet_address"].startswith("0x")
    assert body["expires_at_s"] - body["created_at_s"] == 1800
    assert body["expires_at"] == "2025-01-01T00:31:40Z"  # T0 + 100 s + 1800 s


def test_starting_a_scenario_loads_the_shipped_file_and_answers_the_new_run(
    client: TestClient, engine: FakeEngine, tokens: dict[str, str]
) -> None:
    engine.next_run_id = "run-new"
    answer = client.post("/api/v1/scenarios/steady/start", headers=bearer(tokens["admin"]))
    assert answer.status_code == 201
    assert answer.json()["run_id"] == "run-new"
    assert engine.started[0].name == answer.json()["scenario"]
    stopped = client.post("/api/v1/scenarios/stop", headers=bearer(tokens["admin"]))
    assert stopped.json() == {"run_id": "run-new"}


def test_an_unknown_scenario_is_404_naming_the_ones_there_are(
    client: TestClient, tokens: dict[str, str]
) -> None:
    answer = client.post("/api/v1/scenarios/nope/start", headers=bearer(tokens["admin"]))
    assert answer.status_code == 404
    assert "steady" in answer.json()["detail"]


def test_the_scenario_list_names_every_shipped_scenario(
    client: TestClient, tokens: dict[str, str]
) -> None:
    names = {
        s["name"]
        for s in client.get("/api/v1/scenarios", headers=bearer(tokens["consumer"])).json()
    }
    assert {"steady", "tempo_outage", "bulk"} <= names


def test_a_patch_without_any_field_is_422_and_reaches_no_engine(
    client: TestClient, engine: FakeEngine, tokens: dict[str, str]
) -> None:
    answer = client.patch("/api/v1/providers/tempo", json={}, headers=bearer(tokens["admin"]))
    assert answer.status_code == 422
    assert engine.commands == []

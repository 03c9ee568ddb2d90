"""Invoices through the API, on a live engine and the real PostgreSQL: the user's own id
answers GET at once and from another process of the service, an id given twice is a 409
naming the first, and an Idempotency-Key replays the first answer."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from simulation.live.service import LiveEngine
from simulation.scenario import parse_scenario
from storage.database import Database
from tests.api.conftest import SCENARIOS, bearer
from tests.api.fake_engine import FakeEngine
from tests.engine.live_helpers import QUIET
from ui.api import ApiSettings, create_app

DUE = (datetime.now(UTC).date() + timedelta(days=14)).isoformat()


@pytest.fixture(scope="module")
def service(migrated_database: Database) -> Iterator[tuple[TestClient, TestClient]]:
    """The live service, and a second process of it: the same database, no engine of its
    own (it only reads, as another worker of the service would)."""
    engine = LiveEngine(migrated_database, shards=2, speed=5.0)
    run_id = engine.start(parse_scenario(QUIET))
    settings = ApiSettings(scenarios_dir=SCENARIOS)
    writer = create_app(settings, migrated_database, engine)
    reader = create_app(settings, migrated_database, FakeEngine(run_id=run_id))
    try:
        with TestClient(writer) as one, TestClient(reader) as other:
            yield one, other
    finally:
        engine.close()


def test_an_invoice_created_with_its_own_id_is_read_at_once_from_another_process(
    service: tuple[TestClient, TestClient], tokens: dict[str, str]
) -> None:
    one, other = service
    new = {"invoice_id": "ACME-7731", "amount_minor": 8419, "method": "bank",
           "payer": "Ann Lee", "merchant": "Acme Corp", "due_date": DUE}  # fmt: skip
    made = one.post("/api/v1/invoices", json=new, headers=bearer(tokens["enterprise"]))
    assert made.status_code == 201, made.text
    assert (made.json()["invoice_id"], made.json()["due_date"]) == ("ACME-7731", DUE)
    got = other.get("/api/v1/invoices/ACME-7731", headers=bearer(tokens["consumer"]))
    assert got.status_code == 200, got.text
    invoice: dict[str, Any] = got.json()["invoice"]
    assert {k: invoice[k] for k in ("invoice_id", "payer", "merchant", "method", "due_date")} == {
        "invoice_id": "ACME-7731", "payer": "Ann Lee", "merchant": "Acme Corp",
        "method": "bank", "due_date": DUE,
    }  # fmt: skip
    assert invoice["amount_minor"] == 8419


def test_an_id_that_exists_is_a_409_naming_it_and_a_repeated_key_replays_the_answer(
    service: tuple[TestClient, TestClient], tokens: dict[str, str]
) -> None:
    one, _ = service
    headers = bearer(tokens["enterprise"]) | {"Idempotency-Key": "order-5521"}
    new = {"invoice_id": "ACME-5521", "amount_minor": 1500, "due_date": DUE}
    first = one.post("/api/v1/invoices", json=new, headers=headers)
    again = one.post("/api/v1/invoices", json=new, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again.headers["Idempotent-Replayed"] == "true"
    clash = one.post("/api/v1/invoices", json=new, headers=bearer(tokens["enterprise"]))
    assert clash.status_code == 409
    assert clash.headers["content-type"].startswith("application/problem+json")
    assert "ACME-5521 already exists" in clash.json()["detail"]


def test_a_past_due_date_and_paying_by_another_method_are_refused_with_the_reason(
    service: tuple[TestClient, TestClient], tokens: dict[str, str]
) -> None:
    one, _ = service
    headers = bearer(tokens["enterprise"])
    past = one.post("/api/v1/invoices", json={"amount_minor": 100, "due_date": "2020-01-31"},
                    headers=headers)  # fmt: skip
    assert past.status_code == 422 and "due_date" in past.json()["detail"]
    made = one.post("/api/v1/invoices", json={"amount_minor": 100, "method": "card"},
                    headers=headers).json()  # fmt: skip
    assert made["invoice_id"].startswith("INV-")
    paid = one.post(f"/api/v1/invoices/{made['invoice_id']}/pay", json={"method": "crypto"},
                    headers=bearer(tokens["consumer"]))  # fmt: skip
    assert paid.status_code == 409 and "accepts card only" in paid.json()["detail"]

"""POST /invoices/{id}/pay with an Idempotency-Key: one payment per key, the same answer again."""

from __future__ import annotations

from fastapi.testclient import TestClient

from actors.errors import ConflictError, UnavailableError
from simulation.commands import PayInvoice
from storage.database import Database
from storage.tokens import create_token
from tests.api.conftest import bearer
from tests.api.fake_engine import FakeEngine

PAY = "/api/v1/invoices/inv-7/pay"


def test_the_same_key_and_body_get_the_same_stored_answer_and_pay_once(
    client: TestClient, engine: FakeEngine, tokens: dict[str, str]
) -> None:
    headers = bearer(tokens["consumer"]) | {"Idempotency-Key": "k-1"}
    first = client.post(PAY, json={"method": "card"}, headers=headers)
    engine.sim_now_s += 50  # a second submit would answer a later start time
    again = client.post(PAY, json={"method": "card"}, headers=headers)
    assert first.status_code == again.status_code == 202
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert engine.commands == [PayInvoice("inv-7", "card")]


def test_the_same_key_with_a_different_body_is_409_and_pays_nothing_more(
    client: TestClient, engine: FakeEngine, tokens: dict[str, str]
) -> None:
    headers = bearer(tokens["consumer"]) | {"Idempotency-Key": "k-2"}
    assert client.post(PAY, json={"method": "card"}, headers=headers).status_code == 202
    clash = client.post(PAY, json={"method": "bank"}, headers=headers)
    assert clash.status_code == 409
    assert clash.headers["content-type"] == "application/problem+json"
    assert "different request" in clash.json()["detail"]
    other_invoice = client.post("/api/v1/invoices/inv-8/pay", json={"method": "card"},
                                headers=headers)  # fmt: skip
    assert other_invoice.status_code == 409
    assert len(engine.commands) == 1


def test_a_client_error_is_stored_and_replayed_like_a_success(
    client: TestClient, engine: FakeEngine, tokens: dict[str, str]
) -> None:
    engine.answers[PayInvoice] = ConflictError("invoice inv-7 is already paid")
    headers = bearer(tokens["consumer"]) | {"Idempotency-Key": "k-3"}
    first = client.post(PAY, json={"method": "card"}, headers=headers)
    engine.answers.clear()
    again = client.post(PAY, json={"method": "card"}, headers=headers)
    assert first.status_code == again.status_code == 409
    assert again.json() == first.json()
    assert again.headers["content-type"] == "application/problem+json"
    assert len(engine.commands) == 1


def test_a_503_releases_the_key_so_a_retry_with_it_goes_through(
    client: TestClient, engine: FakeEngine, tokens: dict[str, str]
) -> None:
    engine.answers[PayInvoice] = UnavailableError("the engine is shutting down; retry later")
    headers = bearer(tokens["consumer"]) | {"Idempotency-Key": "k-4"}
    assert client.post(PAY, json={"method": "card"}, headers=headers).status_code == 503
    engine.answers.clear()
    assert client.post(PAY, json={"method": "card"}, headers=headers).status_code == 202
    assert len(engine.commands) == 2


def test_keys_belong_to_one_token_so_two_clients_cannot_collide(
    client: TestClient, engine: FakeEngine, tokens: dict[str, str], migrated_database: Database
) -> None:
    _, other = create_token(migrated_database, "consumer", "another client")
    key = {"Idempotency-Key": "shared"}
    assert client.post(PAY, json={"method": "card"}, headers=bearer(tokens["consumer"]) | key
                       ).status_code == 202  # fmt: skip
    assert client.post(PAY, json={"method": "bank"}, headers=bearer(other) | key
                       ).status_code == 202  # fmt: skip
    assert len(engine.commands) == 2


def test_without_a_key_every_request_is_submitted(
    client: TestClient, engine: FakeEngine, tokens: dict[str, str]
) -> None:
    for _ in range(2):
        answer = client.post(PAY, json={"method": "crypto"}, headers=bearer(tokens["consumer"]))
        assert answer.status_code == 202
    assert len(engine.commands) == 2

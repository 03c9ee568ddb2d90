"""Who may use which route: 401 without a valid token, 403 for the wrong role, else through."""

from __future__ import annotations

import hashlib
import logging
import time
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from storage.database import Database
from storage.tokens import create_token, list_tokens, revoke_token, verify_token
from tests.api.conftest import bearer
from tests.api.fake_engine import FakeEngine
from ui.api import ApiSettings, auth, create_app

ALL = {"admin", "enterprise", "consumer"}
CSV = (
    b"invoice_id,payer,merchant,amount,currency,method,due_date\nA1,p,m,1.00,USD,card,2025-01-01\n"
)

# method, path, roles allowed, request keywords
ROUTES: list[tuple[str, str, set[str], dict[str, Any]]] = [
    ("GET", "/api/v1/providers", {"admin"}, {}),
    ("PATCH", "/api/v1/providers/tempo", {"admin"}, {"json": {"priority": 3}}),
    ("POST", "/api/v1/providers/tempo/faults", {"admin"}, {"json": {"kind": "outage"}}),
    ("DELETE", "/api/v1/providers/tempo/faults", {"admin"}, {}),
    ("GET", "/api/v1/faults", ALL, {}),
    ("GET", "/api/v1/reserves/balance", ALL, {}),
    ("GET", "/api/v1/reserves/history", ALL, {}),
    ("GET", "/api/v1/reserves/reconciliations", ALL, {}),
    ("POST", "/api/v1/reserves/reconcile", {"admin"}, {}),
    ("GET", "/api/v1/alerts", ALL, {}),
    (
        "POST",
        "/api/v1/invoices",
        {"admin", "enterprise", "consumer"},
        {"json": {"amount_minor": 5}},
    ),
    ("GET", "/api/v1/invoices", ALL, {}),
    ("GET", "/api/v1/invoices/inv-1", ALL, {}),
    ("POST", "/api/v1/invoices/inv-1/pay", {"admin", "consumer"}, {"json": {"method": "card"}}),
    ("GET", "/api/v1/wallets", ALL, {}),
    ("POST", "/api/v1/invoices/bulk", {"admin", "enterprise"}, {"files": {"file": ("a.csv", CSV)}}),
    ("GET", "/api/v1/invoices/bulk/1", {"admin", "enterprise"}, {}),
    ("GET", "/api/v1/invoices/bulk/1/results.csv", {"admin", "enterprise"}, {}),
    ("GET", "/api/v1/scenarios", ALL, {}),
    ("POST", "/api/v1/scenarios/steady/start", {"admin"}, {}),
    ("POST", "/api/v1/scenarios/stop", {"admin"}, {}),
    ("GET", "/api/v1/runs", ALL, {}),
    ("GET", "/api/v1/runs/no-such-run/report", ALL, {}),
    ("GET", "/api/v1/runs/compare?a=no-such-run&b=another", ALL, {}),
]
IDS = [f"{method} {path}" for method, path, _, _ in ROUTES]


@pytest.mark.parametrize(("method", "path", "allowed", "request_"), ROUTES, ids=IDS)
def test_every_protected_route_answers_401_without_a_token_and_403_to_a_role_it_does_not_allow(
    client: TestClient,
    tokens: dict[str, str],
    method: str,
    path: str,
    allowed: set[str],
    request_: dict[str, Any],
) -> None:
    missing = client.request(method, path, **request_)
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"].startswith("Bearer")
    assert missing.headers["content-type"] == "application/problem+json"
    bad = client.request(method, path, headers=bearer("not-a-token"), **request_)
    assert bad.status_code == 401
    assert 'error="invalid_token"' in bad.headers["www-authenticate"]
    for role, token in tokens.items():
        answer = client.request(method, path, headers=bearer(token), **request_)
        if role in allowed:
            assert answer.status_code not in (401, 403), (role, answer.text)
        else:
            assert answer.status_code == 403, (role, answer.text)
            assert role in answer.json()["detail"]


PUBLIC = [
    "/api/v1/providers/health",
    "/api/v1/providers/health/timeline",
    "/api/v1/providers/traffic",
    "/healthz",
    "/metrics",
]


@pytest.mark.parametrize("path", PUBLIC)
def test_public_routes_answer_without_a_token(client: TestClient, path: str) -> None:
    assert client.get(path).status_code == 200


def test_a_revoked_token_is_refused_with_401_once_the_token_cache_forgets_it(
    migrated_database: Database, engine: FakeEngine
) -> None:
    settings = ApiSettings(token_cache_ttl_s=0.3)
    with TestClient(create_app(settings, migrated_database, engine)) as client:
        record, token = create_token(migrated_database, "consumer", "to revoke")
        assert client.get("/api/v1/alerts", headers=bearer(token)).status_code == 200
        revoke_token(migrated_database, record.token_id)
        assert verify_token(migrated_database, token) is None
        time.sleep(0.3)
        assert client.get("/api/v1/alerts", headers=bearer(token)).status_code == 401


def test_a_verified_token_is_not_looked_up_again_within_the_cache_ttl(
    migrated_database: Database, engine: FakeEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    lookups: list[str] = []
    real = auth.verify_token

    def counted(db: Database, token: str) -> Any:
        lookups.append(token)
        return real(db, token)

    monkeypatch.setattr(auth, "verify_token", counted)
    _, token = create_token(migrated_database, "consumer", "cached")
    with TestClient(create_app(ApiSettings(), migrated_database, engine)) as client:
        for _ in range(5):
            assert client.get("/api/v1/alerts", headers=bearer(token)).status_code == 200
        for _ in range(2):  # an unknown token is never cached
            assert client.get("/api/v1/alerts", headers=bearer("nope")).status_code == 401
    assert lookups == [token, "nope", "nope"]


def test_the_database_holds_only_the_sha256_of_a_token_never_the_token(
    migrated_database: Database,
) -> None:
    record, token = create_token(migrated_database, "admin", "hashed")
    assert len(token) >= 43  # 32 random bytes, URL-safe base64
    with migrated_database.engine.connect() as connection:
        dump = " ".join(
            str(row) for row in connection.execute(text("SELECT * FROM api_tokens")).all()
        )
        stored = connection.execute(
            text("SELECT token_hash FROM api_tokens WHERE token_id = :id"), {"id": record.token_id}
        ).scalar_one()
    assert token not in dump
    assert stored == hashlib.sha256(token.encode()).hexdigest()
    assert record.token_id in {r.token_id for r in list_tokens(migrated_database)}


def test_tokens_never_appear_in_the_logs(
    client: TestClient, tokens: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    client.get("/api/v1/alerts", headers=bearer(tokens["consumer"]))
    client.get("/api/v1/providers", headers=bearer(tokens["consumer"]))
    client.get("/api/v1/alerts", headers=bearer("wrong-" + tokens["admin"]))
    for token in tokens.values():
        assert token not in caplog.text

"""Read routes answer what the rows of the live run in PostgreSQL say."""

from __future__ import annotations

from fastapi.testclient import TestClient

from storage.database import Database
from tests.api.conftest import bearer
from tests.api.fake_engine import FakeEngine
from tests.storage.recorded import attempt, health, invoice, ledger, reconciliation, record


def test_provider_health_reports_state_breaker_and_the_last_minute_of_traffic(
    client: TestClient, migrated_database: Database, live_run: str, engine: FakeEngine
) -> None:
    engine.sim_now_s = 100.0
    record(migrated_database, live_run, {
        "invoices": [invoice("i1"), invoice("i2"), invoice("i3")],
        "provider_health": [health("shard-0", 0, 70.0, "health", "down"),
                            health("shard-0", 1, 71.0, "breaker", "open")],
        "payment_attempts": [
            attempt("i1#1", "i1", 1, "tempo", 20.0, "succeeded", 100.0),  # before the minute
            attempt("i2#1", "i2", 1, "tempo", 50.0, "error", 40.0),
            attempt("i3#1", "i3", 1, "tempo", 80.0, "succeeded", 60.0),
        ],
    })  # fmt: skip
    answer = client.get("/api/v1/providers/health").json()
    assert answer["database"] == "available"
    (tempo,) = answer["providers"]
    assert tempo["provider"] == "tempo"
    assert (tempo["status"], tempo["breaker"]) == ("down", "open")
    assert (tempo["attempts_last_minute"], tempo["success_rate"]) == (2, 0.5)
    assert tempo["latency_p50_ms"] == 50.0
    assert tempo["last_change_at"] == "2025-01-01T00:01:11Z"


def test_invoices_page_by_status_and_one_invoice_shows_its_attempts(
    client: TestClient, migrated_database: Database, live_run: str, tokens: dict[str, str]
) -> None:
    record(migrated_database, live_run, {
        "invoices": [invoice("i1", "paid", 1.0, 2.0, provider="circle", attempts=2),
                     invoice("i2", "pending", 3.0), invoice("i3", "paid", 4.0, 5.0)],
        "payment_attempts": [attempt("i1#1", "i1", 1, "tempo", 1.5, "timeout", 500.0),
                             attempt("i1#2", "i1", 2, "circle", 2.0, "succeeded", 300.0)],
    })  # fmt: skip
    token = bearer(tokens["consumer"])
    page = client.get("/api/v1/invoices?status=paid&limit=1", headers=token).json()
    assert (page["total"], [i["invoice_id"] for i in page["items"]]) == (2, ["i1"])
    page2 = client.get("/api/v1/invoices?status=paid&limit=1&offset=1", headers=token).json()
    assert [i["invoice_id"] for i in page2["items"]] == ["i3"]
    one = client.get("/api/v1/invoices/i1", headers=token).json()
    assert one["invoice"]["provider"] == "circle"
    assert [(a["provider"], a["result"]) for a in one["attempts"]] == [
        ("tempo", "timeout"), ("circle", "succeeded")]  # fmt: skip
    assert client.get("/api/v1/invoices/nope", headers=token).status_code == 404


def test_invoices_held_for_review_are_listed_by_their_own_status(
    client: TestClient, migrated_database: Database, live_run: str, tokens: dict[str, str]
) -> None:
    short = "underpaid: 9.00 of 10.00 USD received; held for review"
    over = "overpaid: 11.00 of 10.00 USD received; 10.00 applied, 1.00 held for review"
    record(migrated_database, live_run, {
        "invoices": [invoice("u1", "underpaid", 1.0, 2.0, reason=short),
                     invoice("o1", "overpaid", 3.0, 4.0, reason=over),
                     invoice("p1", "paid", 5.0, 6.0, provider="tempo")],
    })  # fmt: skip
    token = bearer(tokens["admin"])
    for status, invoice_id, reason in (("underpaid", "u1", short), ("overpaid", "o1", over)):
        page = client.get(f"/api/v1/invoices?status={status}", headers=token).json()
        assert [(i["invoice_id"], i["reason"]) for i in page["items"]] == [(invoice_id, reason)]
        one = client.get(f"/api/v1/invoices/{invoice_id}", headers=token).json()
        assert one["invoice"]["status"] == status
    assert client.get("/api/v1/invoices?status=review", headers=token).status_code == 422


def test_wallets_count_seconds_left_from_the_engines_simulated_now(
    client: TestClient, migrated_database: Database, live_run: str, engine: FakeEngine,
    tokens: dict[str, str],
) -> None:  # fmt: skip
    engine.sim_now_s = 1_000.0
    record(migrated_database, live_run, {
        "invoices": [invoice("i1", provider="tempo")],
        "ephemeral_wallets": [("0xa", "i1", "created", 1_000, "USD", 0.0, 1_800.0, 0, 0, None,
                               None)],
    })  # fmt: skip
    (wallet,) = client.get("/api/v1/wallets?status=active", headers=bearer(tokens["admin"])).json()
    assert (wallet["address"], wallet["seconds_left"], wallet["provider"]) == (
        "0xa",
        800.0,
        "tempo",
    )
    assert wallet["expires_at"] == "2025-01-01T00:30:00Z"


def test_reserves_balance_history_and_alerts_come_from_the_ledger_and_alert_rows(
    client: TestClient, migrated_database: Database, live_run: str, tokens: dict[str, str]
) -> None:
    rows = ledger([(1, 10.0, "custodian_reserve", "tokens_minted", 5_000)])
    rows["reserve_reconciliation"] = [reconciliation(1, 30.0, "warning", 12)]
    rows["alerts"] = [(1, 30.0, "reserve", "warning", "reserve ratio below target"),
                      (2, 40.0, "reserve", "breach", "reserve short by 80 bp")]  # fmt: skip
    record(migrated_database, live_run, rows)
    token = bearer(tokens["enterprise"])
    balance = client.get("/api/v1/reserves/balance", headers=token).json()
    assert (balance["fiat_minor"], balance["minted_minor"], balance["ratio_bp"]) == (
        5_000, 5_000, 10_000)  # fmt: skip
    assert (balance["status"], balance["discrepancy_bp"]) == ("warning", 12)
    history = client.get("/api/v1/reserves/history?days=30", headers=token).json()
    assert [(d["day"], d["status"]) for d in history] == [(0, "warning")]
    alerts = client.get("/api/v1/alerts", headers=token).json()
    assert [a["severity"] for a in alerts] == ["breach", "warning"]
    only = client.get("/api/v1/alerts?severity=warning", headers=token).json()
    assert [a["alert_id"] for a in only] == [1]


def test_provider_settings_show_the_newest_version_of_each(
    client: TestClient, migrated_database: Database, live_run: str, tokens: dict[str, str]
) -> None:
    record(migrated_database, live_run, {"provider_config": [
        ("tempo", 1, 1, True, ["crypto"], 10, 0, 1_000.0, "{}", 0.0),
        ("tempo", 2, 3, False, ["crypto"], 10, 0, 1_000.0, "{}", 50.0),
        ("circle", 1, 2, True, ["card", "bank"], 30, 10, 2_000.0, "{}", 0.0),
    ]})  # fmt: skip
    found = client.get("/api/v1/providers", headers=bearer(tokens["admin"])).json()
    assert [(p["name"], p["version"], p["enabled"]) for p in found] == [
        ("circle", 1, True), ("tempo", 2, False)]  # fmt: skip


def test_runs_list_any_run_and_a_running_run_has_no_report_yet(
    client: TestClient, live_run: str, tokens: dict[str, str]
) -> None:
    token = bearer(tokens["consumer"])
    assert live_run in {r["run_id"] for r in client.get("/api/v1/runs", headers=token).json()}
    answer = client.get(f"/api/v1/runs/{live_run}/report", headers=token)
    assert answer.status_code == 404
    assert "no report yet" in answer.json()["detail"]


def test_healthz_and_metrics_show_the_engine(client: TestClient) -> None:
    body = client.get("/healthz").json()
    assert body["status"] == "ok" and body["engine"]["windows"] == 7
    client.get("/api/v1/providers/health")
    text = client.get("/metrics").text
    assert "invoicesim_engine_windows 7.0" in text
    assert 'route="/api/v1/providers/health"' in text

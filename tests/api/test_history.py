"""The routes over a run's history: health changes, faults, reconciliations, two runs
compared; each answers what the rows in PostgreSQL (and the scenario file) say."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import update

from simulation.scenario import load_scenario
from storage.database import Database
from storage.schema import Run
from tests.api.conftest import bearer
from tests.api.fake_engine import FakeEngine
from tests.storage.recorded import add_run, health, reconciliation, record, report
from ui.api import ApiSettings, create_app

SCENARIO = """
name: fake
seed: 1
duration_s: 600
faults:
  - {target: tempo, kind: outage, start_s: 30, duration_s: 60}
  - {target: circle, kind: latency, start_s: 400, params: {extra_latency_ms: 800}}
  - {target: custodian, kind: feed_delay, start_s: 50, duration_s: 20, params: {delay_s: 5}}
"""


def test_the_health_timeline_gives_each_change_and_the_providers_worst_state_after_it(
    client: TestClient, migrated_database: Database, live_run: str
) -> None:
    record(migrated_database, live_run, {"provider_health": [
        health("shard-0", 0, 10.0, "health", "down"),
        health("shard-1", 0, 11.0, "health", "degraded"),
        health("shard-0", 1, 12.0, "breaker", "open"),
        health("shard-0", 2, 20.0, "health", "healthy"),
        health("shard-1", 1, 25.0, "health", "healthy"),
    ]})  # fmt: skip
    found = client.get("/api/v1/providers/health/timeline").json()["changes"]  # public
    assert [(c["at_s"], c["source"], c["kind"], c["state"]) for c in found] == [
        (10.0, "shard-0", "health", "down"), (11.0, "shard-1", "health", "degraded"),
        (12.0, "shard-0", "breaker", "open"), (20.0, "shard-0", "health", "healthy"),
        (25.0, "shard-1", "health", "healthy"),
    ]  # fmt: skip
    # The provider's state is the worst across the replicas; a breaker never reported is closed.
    assert [(c["provider_status"], c["provider_breaker"]) for c in found] == [
        ("down", "closed"), ("down", "closed"), ("down", "open"), ("degraded", "open"),
        ("healthy", "open"),
    ]  # fmt: skip
    assert found[0]["at"] == "2025-01-01T00:00:10Z" and found[0]["reason"] == "test"
    # From since_s on, the states before it seed the provider's state.
    later = client.get("/api/v1/providers/health/timeline?since_s=20&limit=1").json()["changes"]
    assert [(c["at_s"], c["provider_status"], c["provider_breaker"]) for c in later] == [
        (20.0, "degraded", "open")
    ]
    for bad in ("limit=0", "limit=1001", "since_s=-1", "since_s=inf"):
        answer = client.get(f"/api/v1/providers/health/timeline?{bad}")
        assert answer.status_code == 422, bad
        assert answer.headers["content-type"] == "application/problem+json"


def test_provider_health_reports_a_breaker_never_reported_as_closed(
    client: TestClient, migrated_database: Database, live_run: str
) -> None:
    record(migrated_database, live_run, {"provider_health": [
        health("shard-0", 0, 10.0, "health", "degraded")]})  # fmt: skip
    (tempo,) = client.get("/api/v1/providers/health").json()["providers"]
    assert (tempo["status"], tempo["breaker"]) == ("degraded", "closed")


def test_faults_list_the_scenario_files_schedule_and_the_faults_injected_through_the_api(
    migrated_database: Database, live_run: str, tokens: dict[str, str], tmp_path: Path
) -> None:
    (tmp_path / "fake.yaml").write_text(SCENARIO)
    (tmp_path / "other.yaml").write_text(SCENARIO.replace("name: fake", "name: other"))
    digest = load_scenario(tmp_path / "fake.yaml").digest()
    with migrated_database.engine.begin() as connection:
        connection.execute(update(Run).where(Run.run_id == live_run).values(scenario_hash=digest))
    engine = FakeEngine(run_id=live_run, sim_now_s=60.0)  # its scenario is named "fake"
    app = create_app(ApiSettings(scenarios_dir=tmp_path), migrated_database, engine)
    admin, consumer = bearer(tokens["admin"]), bearer(tokens["consumer"])
    with TestClient(app, raise_server_exceptions=False) as client:
        client.post("/api/v1/providers/circle/faults", json={"kind": "error_rate",
                    "duration_s": 100, "error_rate": 0.9}, headers=admin)  # fmt: skip
        engine.sim_now_s = 70.0
        client.delete("/api/v1/providers/tempo/faults", headers=admin)  # cuts the outage short
        engine.sim_now_s = 80.0
        found = client.get("/api/v1/faults", headers=consumer).json()
    rows = [(f["origin"], f["target"], f["kind"], f["start_s"], f["end_s"], f["planned_end_s"],
             f["state"]) for f in found]  # fmt: skip
    assert rows == [
        ("scenario", "tempo", "outage", 30.0, 70.0, 90.0, "ended"),
        ("scenario", "custodian", "feed_delay", 50.0, 70.0, 70.0, "ended"),
        ("api", "circle", "error_rate", 60.0, 160.0, 160.0, "active"),
        ("scenario", "circle", "latency", 400.0, None, None, "scheduled"),
    ]
    assert found[2]["params"] == {"error_rate": 0.9}
    assert found[3]["params"] == {"extra_latency_ms": 800.0}
    assert (found[0]["start_at"], found[0]["end_at"]) == (
        "2025-01-01T00:00:30Z", "2025-01-01T00:01:10Z")  # fmt: skip


def test_faults_of_a_scenario_whose_file_changed_since_it_started_are_not_listed(
    migrated_database: Database, live_run: str, tokens: dict[str, str], tmp_path: Path
) -> None:
    (tmp_path / "fake.yaml").write_text(SCENARIO)  # the run's row has another hash
    app = create_app(
        ApiSettings(scenarios_dir=tmp_path), migrated_database, FakeEngine(run_id=live_run)
    )
    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.get("/api/v1/faults", headers=bearer(tokens["admin"])).json() == []


def test_reconciliations_are_newest_first_with_the_snapshot_each_used(
    client: TestClient, migrated_database: Database, live_run: str, tokens: dict[str, str]
) -> None:
    record(migrated_database, live_run, {"reserve_reconciliation": [
        reconciliation(1, 30.0, "balanced", 0), reconciliation(2, 90.0, "warning", 12),
        reconciliation(3, 60.0, "balanced", 0),
    ]})  # fmt: skip
    token = bearer(tokens["enterprise"])
    found = client.get("/api/v1/reserves/reconciliations", headers=token).json()
    assert [(r["seq"], r["at_s"], r["status"], r["discrepancy_bp"]) for r in found] == [
        (2, 90.0, "warning", 12), (3, 60.0, "balanced", 0), (1, 30.0, "balanced", 0)]  # fmt: skip
    assert found[0]["snapshot"] == json.loads(reconciliation(2, 90.0, "warning", 12)[-1])
    assert found[0]["direction"] == "shortfall" and found[0]["trigger"] == "scheduled"
    one = client.get("/api/v1/reserves/reconciliations?limit=1", headers=token).json()
    assert [r["seq"] for r in one] == [2]
    too_many = client.get("/api/v1/reserves/reconciliations?limit=1001", headers=token)
    assert too_many.status_code == 422


def test_two_runs_compare_figure_by_figure_from_their_stored_reports(
    client: TestClient, migrated_database: Database, tokens: dict[str, str]
) -> None:
    a, b = f"api-cmp-{uuid.uuid4().hex[:8]}", f"api-cmp-{uuid.uuid4().hex[:8]}"
    add_run(migrated_database, a, 9, summary=report(90, 200.0, 4.0, True, "d"), digest="d")
    add_run(migrated_database, b, 10, summary=report(95, 180.5, 3.5, False, "d"), digest="d")
    token = bearer(tokens["consumer"])
    found = client.get(f"/api/v1/runs/compare?a={a}&b={b}", headers=token).json()
    assert (found["run_a"], found["run_b"], found["digests_equal"]) == (a, b, True)
    rows = {f["figure"]: (f["a"], f["b"], f["difference"]) for f in found["figures"]}
    assert rows["invoices.paid"] == (90, 95, 5)
    assert rows["latency_ms.p50"] == (200.0, 180.5, -19.5)
    assert rows["failover tempo outage at 60 s: time_to_detect_s"] == (4.0, 3.5, -0.5)
    assert rows["assertion detect within 5 s"] == (True, False, None)
    missing = client.get(f"/api/v1/runs/compare?a={a}&b=no-such-run", headers=token)
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    assert "no run 'no-such-run'" in missing.json()["detail"]
    assert client.get(f"/api/v1/runs/compare?a={a}", headers=token).status_code == 422

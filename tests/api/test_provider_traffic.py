"""GET /providers/traffic: success rate and latency per provider and bucket, for the charts."""

from __future__ import annotations

from fastapi.testclient import TestClient

from storage.database import Database
from tests.api.fake_engine import FakeEngine
from tests.storage.recorded import attempt, invoice, record


def test_traffic_comes_in_buckets_up_to_the_clock(
    client: TestClient, migrated_database: Database, live_run: str, engine: FakeEngine
) -> None:
    engine.sim_now_s = 25.0
    record(migrated_database, live_run, {
        "invoices": [invoice("i1"), invoice("i2"), invoice("i3")],
        "payment_attempts": [
            attempt("i1#1", "i1", 1, "tempo", 3.0, "succeeded", 100.0),
            attempt("i2#1", "i2", 1, "tempo", 7.0, "error", 40.0),
            attempt("i2#2", "i2", 2, "circle", 12.0, "succeeded", 60.0),
            attempt("i3#1", "i3", 1, "tempo", 24.0, "succeeded", 80.0),
        ],
    })  # fmt: skip
    answer = client.get("/api/v1/providers/traffic?bucket_s=10")
    assert answer.status_code == 200, answer.text
    got = [(b["provider"], b["start_s"], b["attempts"], b["success_rate"]) for b in answer.json()]
    assert got == [("tempo", 0.0, 2, 0.5), ("circle", 10.0, 1, 1.0), ("tempo", 20.0, 1, 1.0)]
    later = client.get("/api/v1/providers/traffic?bucket_s=10&since_s=15").json()
    assert [(b["provider"], b["start_s"]) for b in later] == [("circle", 10.0), ("tempo", 20.0)]


def test_only_the_last_720_buckets_come_back(
    client: TestClient, migrated_database: Database, live_run: str, engine: FakeEngine
) -> None:
    engine.sim_now_s = 10_000.0
    record(migrated_database, live_run, {
        "invoices": [invoice("i1"), invoice("i2")],
        "payment_attempts": [
            attempt("i1#1", "i1", 1, "tempo", 100.0, "succeeded", 100.0),  # 9,900 s ago
            attempt("i2#1", "i2", 1, "tempo", 9_990.0, "succeeded", 100.0),
        ],
    })  # fmt: skip
    starts = [b["start_s"] for b in client.get("/api/v1/providers/traffic?bucket_s=10").json()]
    assert starts == [9_990.0]


def test_a_bad_bucket_names_the_parameter(client: TestClient, live_run: str) -> None:
    answer = client.get("/api/v1/providers/traffic?bucket_s=0")
    assert answer.status_code == 422
    assert "bucket_s" in answer.text

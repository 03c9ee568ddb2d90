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
    got = [
        (b["provider"], b["start_s"], b["attempts"], b["success_rate"])
        for b in answer.json()["buckets"]
    ]
    assert got == [("tempo", 0.0, 2, 0.5), ("circle", 10.0, 1, 1.0), ("tempo", 20.0, 1, 1.0)]
    later = client.get("/api/v1/providers/traffic?bucket_s=10&since_s=15").json()["buckets"]
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
    answer = client.get("/api/v1/providers/traffic?bucket_s=10")
    starts = [b["start_s"] for b in answer.json()["buckets"]]
    assert starts == [9_990.0]


def test_a_bad_bucket_names_the_parameter(client: TestClient, live_run: str) -> None:
    answer = client.get("/api/v1/providers/traffic?bucket_s=0")
    assert answer.status_code == 422
    assert "bucket_s" in answer.text


def test_a_time_range_and_fine_buckets_show_a_short_outage_late_in_a_long_run(
    client: TestClient, migrated_database: Database, live_run: str, engine: FakeEngine
) -> None:
    """Two hours in, the range of a 60 s outage in 5 s buckets: Tempo's calls stop, Circle's
    take over, Tempo's come back (one bucket of the whole run would hide it)."""
    engine.sim_now_s = 7_300.0
    calls = [("tempo", 7_000.0 + n * 5) for n in range(12)]  # 7000 .. 7055
    calls += [("circle", 7_062.0 + n * 5) for n in range(12)]  # the outage, 7060 .. 7120
    calls += [("tempo", 7_122.0 + n * 5) for n in range(12)]
    invoices = [invoice(f"i{n}") for n in range(len(calls))]
    record(migrated_database, live_run, {
        "invoices": invoices,
        "payment_attempts": [
            attempt(f"i{n}#1", f"i{n}", 1, provider, at_s, "succeeded", 90.0)
            for n, (provider, at_s) in enumerate(calls)
        ],
    })  # fmt: skip
    answer = client.get("/api/v1/providers/traffic?bucket_s=5&since_s=7000&until_s=7180")
    assert answer.status_code == 200, answer.text
    by_start = {(b["start_s"], b["provider"]) for b in answer.json()["buckets"]}
    assert min(s for s, _ in by_start) == 7_000.0 and max(s for s, _ in by_start) < 7_180.0
    starts = sorted({s for s, _ in by_start})
    tempo = [s for s in starts if (s, "tempo") in by_start]
    circle = [s for s in starts if (s, "circle") in by_start]
    assert max(s for s in tempo if s < 7_100) == 7_055.0  # Tempo's last bucket before
    assert circle == [7_060.0 + n * 5 for n in range(12)]  # Circle in every bucket of it
    assert min(s for s in tempo if s > 7_100) == 7_120.0  # and Tempo back after it


def test_a_range_ends_at_until_s_and_an_empty_range_has_no_bucket(
    client: TestClient, migrated_database: Database, live_run: str, engine: FakeEngine
) -> None:
    engine.sim_now_s = 100.0
    record(migrated_database, live_run, {
        "invoices": [invoice("i1"), invoice("i2")],
        "payment_attempts": [
            attempt("i1#1", "i1", 1, "tempo", 12.0, "succeeded", 100.0),
            attempt("i2#1", "i2", 1, "tempo", 52.0, "succeeded", 100.0),
        ],
    })  # fmt: skip
    ranged = client.get("/api/v1/providers/traffic?bucket_s=10&until_s=30").json()["buckets"]
    assert [b["start_s"] for b in ranged] == [10.0]
    for query in ("since_s=40&until_s=40", "since_s=60&until_s=20"):
        answer = client.get(f"/api/v1/providers/traffic?bucket_s=10&{query}")
        assert answer.status_code == 200, query
        assert answer.json() == {"database": "available", "buckets": []}, query


def test_the_range_and_bucket_are_bounded_and_named_when_refused(
    client: TestClient, live_run: str
) -> None:
    for query, field in (
        ("bucket_s=0.5", "bucket_s"),
        ("bucket_s=3601", "bucket_s"),
        ("until_s=-1", "until_s"),
        ("until_s=1e10", "until_s"),
        ("since_s=-5", "since_s"),
        ("until_s=soon", "until_s"),
    ):
        answer = client.get(f"/api/v1/providers/traffic?{query}")
        assert answer.status_code == 422, query
        assert f"query.{field}" in answer.text, (query, answer.text)


def test_the_schema_documents_the_range_and_its_bounds(client: TestClient) -> None:
    operation = client.get("/openapi.json").json()["paths"]["/api/v1/providers/traffic"]["get"]
    schemas = {p["name"]: p["schema"] for p in operation["parameters"]}
    assert schemas["bucket_s"]["minimum"] == 1 and schemas["bucket_s"]["maximum"] == 3600
    until = next(s for s in schemas["until_s"]["anyOf"] if s["type"] == "number")
    assert until["minimum"] == 0 and until["maximum"] == 1e9
    assert "720" in operation["description"] and "until_s" in operation["description"]

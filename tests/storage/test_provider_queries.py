"""Provider queries on a real PostgreSQL: each provider's current health and breaker
state across shard replicas, and the health timeline."""

from __future__ import annotations

import pytest

from storage.database import Database
from storage.queries import health_timeline, provider_status
from tests.storage.recorded import health, record, run_in


# ---- providers -------------------------------------------------------------------------
def test_provider_status_takes_each_replicas_latest_state_and_reports_the_worst(
    migrated_database: Database,
) -> None:
    db = migrated_database
    run_id = run_in(db)
    record(db, run_id, {
        "provider_config": [("circle", 1, 2, True, ["card", "bank"], 30, 10, 2_000.0, "{}", 0.0)],
        "provider_health": [
            health("shard-0", 0, 0.0, "health", "healthy"),
            health("shard-0", 1, 10.0, "health", "down"),
            health("shard-0", 2, 50.0, "health", "healthy"),
            health("shard-0", 3, 12.0, "breaker", "open"),
            health("shard-0", 4, 40.0, "breaker", "half_open"),
            health("shard-1", 0, 30.0, "health", "degraded"),
            health("shard-1", 1, 20.0, "breaker", "open"),
            # A later sequence number but an earlier time: not the current state.
            health("shard-1", 2, 5.0, "health", "healthy"),
        ],
    })  # fmt: skip
    circle, tempo = provider_status(db, run_id)
    assert circle == {"provider": "circle", "health": None, "breaker": None,
                      "last_change_s": None, "sources": []}  # fmt: skip
    assert tempo["provider"] == "tempo"
    assert tempo["health"] == "degraded"  # healthy on shard-0, degraded on shard-1
    assert tempo["breaker"] == "open"  # half-open on shard-0, open on shard-1
    assert tempo["last_change_s"] == 50.0
    assert tempo["sources"] == [
        {"source": "shard-0", "health": "healthy", "health_at_s": 50.0,
         "breaker": "half_open", "breaker_at_s": 40.0},
        {"source": "shard-1", "health": "degraded", "health_at_s": 30.0,
         "breaker": "open", "breaker_at_s": 20.0},
    ]  # fmt: skip
    assert provider_status(db, run_in(db)) == []


def test_health_timeline_is_oldest_first_filtered_and_bounded(
    migrated_database: Database,
) -> None:
    db = migrated_database
    run_id = run_in(db)
    record(db, run_id, {"provider_health": [
        health("shard-0", 0, 10.0, "health", "down"),
        health("shard-0", 1, 12.0, "breaker", "open"),
        health("shard-1", 0, 11.0, "health", "degraded"),
        ("shard-0", 2, "circle", 13.0, "health", "degraded", "healthy", "slow"),
    ]})  # fmt: skip
    everything = health_timeline(db, run_id)
    assert [(e["at_s"], e["provider"]) for e in everything] == [
        (10.0, "tempo"), (11.0, "tempo"), (12.0, "tempo"), (13.0, "circle")
    ]  # fmt: skip
    assert everything[3] == {"at_s": 13.0, "provider": "circle", "source": "shard-0",
                             "kind": "health", "state": "degraded", "previous": "healthy",
                             "reason": "slow"}  # fmt: skip
    tempo_since_11 = health_timeline(db, run_id, provider="tempo", since_s=11.0)
    assert [e["state"] for e in tempo_since_11] == ["degraded", "open"]
    assert [e["at_s"] for e in health_timeline(db, run_id, limit=2)] == [10.0, 11.0]
    for bad in (0, 1_001):
        with pytest.raises(ValueError, match=r"limit must be within 1\.\.1,000"):
            health_timeline(db, run_id, limit=bad)

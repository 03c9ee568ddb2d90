"""The rows a shard emits for routing decisions: skipped providers as JSON text."""

from __future__ import annotations

import json
from typing import Any

import pytest

from actors.routing import Policy, RoutingDecision
from simulation.processes import shard_records
from simulation.processes.shard_records import ShardRecords

SKIPPED = [
    (),
    (("tempo", "breaker: open"),),
    (("tempo", "breaker: open"), ("circle", 'does not support "bank"')),
]


def decision_rows(skipped: list[tuple[tuple[str, str], ...]]) -> list[tuple[Any, ...]]:
    out: dict[str, list[tuple[Any, ...]]] = {}
    records = ShardRecords("shard-0", 0, out)
    decisions = [
        RoutingDecision(float(i), f"INV-{i}", 1, Policy.PRIORITY, "stripe", s)
        for i, s in enumerate(skipped)
    ]
    records.window([], decisions, [], [], [])
    return out["routing_decisions"]


def test_each_decision_row_holds_its_skipped_providers_as_json_the_same_every_time() -> None:
    rows = decision_rows(SKIPPED * 2)  # the second round comes from the cache
    assert [row[-1] for row in rows] == [json.dumps(s) for s in SKIPPED * 2]
    assert [json.loads(row[-1]) for row in rows[:3]] == [[list(p) for p in s] for s in SKIPPED]
    assert [row[5] for row in rows] == ["priority"] * 6  # the policy's value, as text


def test_the_json_cache_stops_growing_at_its_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shard_records, "_SKIPPED_JSON", {})
    monkeypatch.setattr(shard_records, "MAX_SKIPPED_JSON", 2)
    many = [((f"p{i}", "breaker: open"),) for i in range(5)]
    rows = decision_rows(many)
    assert [row[-1] for row in rows] == [json.dumps(s) for s in many]  # uncached: still right
    assert len(shard_records._SKIPPED_JSON) == 2

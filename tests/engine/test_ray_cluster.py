"""A two-node Ray cluster on this machine: shards land on both nodes, the digest stays the same."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from simulation.engine import RunOptions, run_scenario
from simulation.scenario import parse_scenario
from tests.engine.ray_cluster import PARITY_SCENARIO, two_node_cluster


@pytest.fixture(scope="module")
def cluster() -> Iterator[Any]:
    yield from two_node_cluster()


def test_shards_spread_over_both_nodes_with_the_local_digest(cluster: Any) -> None:
    import ray

    assert len([n for n in ray.nodes() if n["Alive"]]) == 2
    scenario = parse_scenario(PARITY_SCENARIO)
    local = run_scenario(scenario, RunOptions(shards=2, runtime="local"))
    spread = run_scenario(scenario, RunOptions(shards=2, runtime="ray"))
    assert spread["digest"] == local["digest"]
    placement = spread["placement"]
    partitions = {f"{p}@shard-{k}" for p in ("tempo", "circle", "stripe") for k in (0, 1)}
    assert set(placement) == partitions | {"shard-0", "shard-1", "reserve"}
    # each shard's partitions of the providers live where it does
    assert all(
        placement[f"{p}@shard-{k}"] == placement[f"shard-{k}"] for p in ("tempo",) for k in (0, 1)
    )
    assert len(set(placement.values())) == 2, placement

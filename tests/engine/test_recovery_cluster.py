"""A node removed mid-run: its actors come back on the node that is left (real Ray cluster)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.engine.ray_cluster import two_node_cluster
from tests.engine.recovery_helpers import CRASH_AT_S, figures, run, scenario


@pytest.fixture(scope="module")
def cluster() -> Iterator[Any]:
    yield from two_node_cluster()


def test_the_shard_of_a_removed_node_is_restored_on_the_other_node(cluster: Any) -> None:
    undisturbed = run(scenario())
    worker = cluster.worker_nodes and next(iter(cluster.worker_nodes))
    removed: list[str] = []

    def remove_the_worker_node(sim_s: float, counts: dict[str, int]) -> None:
        if not removed and sim_s >= CRASH_AT_S:
            removed.append(worker.node_id)
            cluster.remove_node(worker)

    held: list[Any] = []
    report = run(scenario(), remove_the_worker_node, runtime="ray", on_start=held.append)
    assert removed
    assert figures(report) == figures(undisturbed)
    # Shards round-robin from the head node: shard-1's host was on the worker node (with
    # 2 shards on 2 CPUs, the providers share it).
    runtime = held[0]
    lost = runtime.lps_on(runtime.host_of("shard-1"))
    assert [r["lp"] for r in report["recoveries"]] == lost
    assert "shard-1" in lost and "reserve" not in lost
    assert report["placement"]["shard-1"] != removed[0]
    assert len(set(report["placement"].values())) == 1  # everything on the head node now

"""The Ray runtime hosts the same logical processes and gives the same digest (real Ray)."""

from __future__ import annotations

from typing import Any

from simulation.engine import RunOptions, run_scenario
from simulation.scenario import parse_scenario
from tests.engine.ray_cluster import PARITY_SCENARIO


def test_ray_and_local_runtimes_give_the_same_digest(ray_session: Any) -> None:
    scenario = parse_scenario(PARITY_SCENARIO)
    local = run_scenario(scenario, RunOptions(shards=2, runtime="local"))
    remote = run_scenario(scenario, RunOptions(shards=2, runtime="ray"))
    assert remote["runtime"] == "ray" and local["runtime"] == "local"
    assert remote["digest"] == local["digest"]
    assert remote["invoices"] == local["invoices"]
    assert remote["failover"] == local["failover"]
    assert all(i["held"] for i in remote["invariants"])

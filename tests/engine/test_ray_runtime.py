"""The Ray runtime hosts the same logical processes and gives the same digest (real Ray)."""

from __future__ import annotations

from typing import Any

from simulation.engine import RunOptions, run_scenario
from simulation.scenario import parse_scenario

SCENARIO = """
name: ray_parity
seed: 21
duration_s: 12
wallet_ttl_s: 20
drain_s: 60
routing: {health_interval_s: 3}
load:
  - {start_s: 0, duration_s: 12, shape: poisson, rate_per_s: 30, never_pay_share: 0.1}
faults:
  - {target: tempo, kind: outage, start_s: 4, duration_s: 3}
"""


def test_ray_and_local_runtimes_give_the_same_digest(ray_session: Any) -> None:
    scenario = parse_scenario(SCENARIO)
    local = run_scenario(scenario, RunOptions(shards=2, runtime="local"))
    remote = run_scenario(scenario, RunOptions(shards=2, runtime="ray"))
    assert remote["runtime"] == "ray" and local["runtime"] == "local"
    assert remote["digest"] == local["digest"]
    assert remote["invoices"] == local["invoices"]
    assert remote["failover"] == local["failover"]
    assert all(i["held"] for i in remote["invariants"])

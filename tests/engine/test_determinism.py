"""Same scenario + seed + shards -> same digest; change any of them -> another run."""

from __future__ import annotations

from typing import Any

from simulation.engine import RunOptions, run_scenario
from simulation.scenario import parse_scenario

SCENARIO = """
name: determinism
seed: 11
duration_s: 40
routing: {health_interval_s: 5}
load:
  - {start_s: 0, duration_s: 40, shape: poisson, rate_per_s: 40, never_pay_share: 0.05,
     late_pay_share: 0.05, amount: {distribution: lognormal, median_minor: 5000, sigma: 0.8}}
faults:
  - {target: tempo, kind: silent, start_s: 10, duration_s: 10}
  - {target: circle, kind: error_rate, start_s: 15, duration_s: 10, params: {error_rate: 0.3}}
wallet_ttl_s: 30
"""


def run(seed: int = 11, shards: int = 1) -> dict[str, Any]:
    scenario = parse_scenario(SCENARIO.replace("seed: 11", f"seed: {seed}"))
    return run_scenario(scenario, RunOptions(shards=shards))


def test_the_same_seed_gives_the_same_digest() -> None:
    first, second = run(), run()
    assert first["digest"] == second["digest"]
    assert first["invoices"] == second["invoices"]
    assert first["failover"] == second["failover"]


def test_another_seed_gives_another_digest() -> None:
    assert run(seed=11)["digest"] != run(seed=12)["digest"]


def test_two_shards_are_deterministic_and_keep_every_invariant() -> None:
    first, second = run(shards=2), run(shards=2)
    assert first["digest"] == second["digest"]
    assert first["shards"] == 2
    assert all(i["held"] for i in first["invariants"]), first["invariants"]


def test_a_run_with_faults_expiry_and_late_payers_keeps_every_invariant() -> None:
    report = run()
    assert all(i["held"] for i in report["invariants"]), report["invariants"]
    invoices = report["invoices"]
    assert invoices["expired"] > 0 and invoices["paid"] > 0
    assert report["late_payments"] > 0
    assert report["reserves"]["review_minor"] > 0
    assert invoices["created"] == invoices["paid"] + invoices["failed"] + invoices["expired"]

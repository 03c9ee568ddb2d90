"""Exact recovery in a rich scenario (#21): two shards, weighted routing, three provider
faults at once (Tempo flapping, Circle slower than its timeout, Stripe rate limited), a
spike inside a steady load, JPY lognormal amounts, settlements and reconciliations
inside the run, and a crash of a shard mid-run. The crashed run must be the calm run:
the same digest, windows and figures, whichever the checkpoint schedule."""

from __future__ import annotations

import pytest

from simulation.engine import RunOptions, run_scenario
from simulation.fuzz.runner import differences
from simulation.scenario import parse_scenario, with_overrides

RICH = """
name: rich-recovery
seed: 21
duration_s: 30
shards: 2
wallet_ttl_s: 40
providers:
  circle: {timeout_ms: 1500}
routing:
  policy: weighted
  weights: {tempo: 60, circle: 30, stripe: 10}
  health_interval_s: 5
load:
  - start_s: 0
    duration_s: 30
    shape: spike
    rate_per_s: 150
    spike: {at_s: 10, duration_s: 4, rate_per_s: 600}
    currency: JPY
    amount: {distribution: lognormal, median_minor: 5000, sigma: 0.8}
    never_pay_share: 0.05
    late_pay_share: 0.03
faults:
  - {target: tempo, kind: flapping, start_s: 2, duration_s: 25, params: {period_s: 6, duty: 0.5}}
  - {target: circle, kind: latency, start_s: 4, duration_s: 20, params: {extra_latency_ms: 3000}}
  - {target: stripe, kind: rate_limit, start_s: 4, duration_s: 20, params: {rate_limit_per_s: 20}}
  - {target: shard-1, kind: actor_crash, start_s: 15.37}
reconciliation:
  interval_s: 5
  settlement_delay_s: {card: 8, bank: 3, crypto: 0}
"""


@pytest.mark.slow
@pytest.mark.parametrize("every", [None, 13, 250])
@pytest.mark.parametrize("target", ["shard-1", "reserve", "tempo"])
def test_a_crash_anywhere_in_a_rich_run_ends_as_the_calm_run(target: str, every: int) -> None:
    crashed = parse_scenario(
        RICH.replace("target: shard-1, kind: actor_crash", f"target: {target}, kind: actor_crash")
    )
    calm = with_overrides(
        crashed,
        {"faults": [f.model_dump(mode="json", exclude_unset=True) for f in crashed.faults
                    if not f.is_actor_crash]},
    )  # fmt: skip
    report = run_scenario(crashed, RunOptions(checkpoint_every=every))
    assert report["recoveries"], "the crash happened and was recovered"
    assert differences(report, run_scenario(calm, RunOptions())) == []

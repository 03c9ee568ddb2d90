"""The failover metrics of a small run, checked against figures worked out by hand.

Set-up: one shard; an invoice every 0.1 s (at 0.05, 0.15, ...), each paid at
once by card; fixed latencies (Tempo 150 ms, Circle 300 ms, no jitter), 20 ms
each way on the network, refusals decided in 1 ms; a health probe every 5 s.
Tempo refuses everything from 10 s to 20 s.

- Detect: the probe sent at 10.00 reaches Tempo at 10.02, is refused, and the
  refusal is back at 10.041. The probe fails, health turns down: 0.041 s.
- Fail over: the next invoice (10.05) skips Tempo (health: down), goes to
  Circle, arrives 10.07, answered after 300 ms, back at 10.39: 0.39 s.
- Fail back: the probe at 20.00 reaches the recovered Tempo at 20.02 and is
  back at 20.19; health turns healthy. The invoice of 20.05 was routed before
  that (to Circle); the one of 20.25 goes to Tempo, arrives 20.27, answered at
  20.42, back at 20.44: 0.44 s.
"""

from __future__ import annotations

import pytest

from simulation.engine import run_scenario
from simulation.scenario import parse_scenario

SCENARIO = """
name: hand_computed
seed: 3
duration_s: 30
providers:
  tempo: {latency_base_ms: 150, latency_jitter_ms: 0}
  circle: {latency_base_ms: 300, latency_jitter_ms: 0}
  stripe: {latency_base_ms: 400, latency_jitter_ms: 0}
routing:
  health_interval_s: 5
load:
  - start_s: 0
    duration_s: 30
    shape: constant
    rate_per_s: 10
    think_s: 0
    methods: {card: 1}
faults:
  - {target: tempo, kind: outage, start_s: 10, duration_s: 10}
"""


@pytest.fixture(scope="module")
def report() -> dict:  # type: ignore[type-arg]
    return run_scenario(parse_scenario(SCENARIO))


def test_detection_is_the_round_trip_of_the_first_failed_probe(report: dict) -> None:  # type: ignore[type-arg]
    assert report["failover"][0]["time_to_detect_s"] == pytest.approx(0.041, abs=1e-6)


def test_failover_is_the_first_circle_success_of_an_invoice_meant_for_tempo(
    report: dict,  # type: ignore[type-arg]
) -> None:
    assert report["failover"][0]["time_to_failover_s"] == pytest.approx(0.39, abs=1e-6)


def test_failback_is_the_first_tempo_success_after_the_fault(report: dict) -> None:  # type: ignore[type-arg]
    assert report["failover"][0]["time_to_failback_s"] == pytest.approx(0.44, abs=1e-6)


def test_no_payment_fails_and_every_invoice_is_counted(report: dict) -> None:  # type: ignore[type-arg]
    assert report["failover"][0]["failed_during_fault"] == 0
    assert report["invoices"]["created"] == 300
    assert report["invoices"]["paid"] == 300
    # Circle: the 100 invoices of 10.05..19.95, and those of 20.05 and 20.15, routed
    # before the passing probe came back at 20.19. Tempo: the other 198.
    assert report["providers"]["circle"]["succeeded"] == 102
    assert report["providers"]["tempo"]["succeeded"] == 198
    assert all(i["held"] for i in report["invariants"])

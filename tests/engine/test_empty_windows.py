"""Stretches of simulated time where nothing happens cost no windows."""

from __future__ import annotations

from simulation.engine import run_scenario
from simulation.scenario import parse_scenario

QUIET = """
name: quiet
seed: 2
duration_s: 600
load:
  - {start_s: 0, duration_s: 5, shape: constant, rate_per_s: 10, think_s: 0}
  - {start_s: 500, duration_s: 5, shape: constant, rate_per_s: 10, think_s: 0}
"""


def test_empty_windows_are_skipped() -> None:
    report = run_scenario(parse_scenario(QUIET))
    lookahead_s = 0.02  # the default network delay, one way
    every_window = report["simulated_s"] / lookahead_s  # about 30,000
    # Busy: ~10 s of load plus payments in flight, probes every 30 s, reconciliations.
    assert report["windows"] < every_window / 20, report["windows"]
    assert report["invoices"]["paid"] == 100
    assert all(i["held"] for i in report["invariants"])

"""Memory stays bounded (issue #3): what a finished payment leaves behind is forgotten."""

from __future__ import annotations

from typing import Any

from simulation.engine import RunOptions, run_scenario
from simulation.processes.reserve import HISTORY_MARGIN_S, TRIM_EVERY_S, ReserveLP
from simulation.runtime.local import LocalRuntime
from simulation.scenario import parse_scenario

RATE_PER_S = 50
LEGS_PER_PAYMENT = 3  # payment confirmed (net and fee), then settled

SCENARIO = """
name: bounded
seed: 5
duration_s: {duration}
load:
  - {{start_s: 0, duration_s: {duration}, shape: constant, rate_per_s: {rate}}}
"""


def reserve_after(duration_s: int) -> ReserveLP:
    held: dict[str, Any] = {}

    def keep_reserve(runtime: Any) -> None:
        assert isinstance(runtime, LocalRuntime)
        held["reserve"] = runtime.lps[max(runtime.lps)]  # the reserve is the last LP

    scenario = parse_scenario(SCENARIO.format(duration=duration_s, rate=RATE_PER_S))
    run_scenario(scenario, RunOptions(on_start=keep_reserve))
    reserve = held["reserve"]
    assert isinstance(reserve, ReserveLP)
    return reserve


def test_the_reserve_forgets_legs_and_deposits_no_statement_can_ask_for() -> None:
    # Without feed delays no reconciliation reads the past, so what is kept is at most
    # what came since the last trim, however long the run.
    bound = LEGS_PER_PAYMENT * RATE_PER_S * (TRIM_EVERY_S + HISTORY_MARGIN_S + 5)
    for duration_s in (130, 390):
        reserve = reserve_after(duration_s)
        assert reserve.counts["confirmed"] >= 0.9 * RATE_PER_S * duration_s
        assert reserve.ledger.history_len <= bound
        assert len(reserve._custodian_t) <= bound

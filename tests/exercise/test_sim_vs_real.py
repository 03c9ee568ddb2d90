"""The simulation against reality, short (the full comparison is in ``make bench``): a
scenario simulated and exercised over real HTTP must give the same failover figures,
success rate and no double charge (``exercise.agreement``)."""

from __future__ import annotations

import pytest

from bench.sim_vs_real import ROOT, compare
from simulation.scenario import load_scenario, with_overrides


@pytest.mark.parametrize("name", ["tempo_outage", "tempo_silent"])
def test_a_shipped_fault_scenario_simulated_and_exercised_agrees(name: str) -> None:
    # 20 s at 50 invoices/s, Tempo failing from 6 s to 14 s, at the wall clock's pace.
    # On a loaded machine the assertion's message lists every figure of both runs.
    shipped = load_scenario(ROOT / "scenarios" / f"{name}.yaml")
    scenario = with_overrides(
        shipped,
        {
            "duration_s": 20.0,
            "load.0.duration_s": 20.0,
            "load.0.rate_per_s": 50.0,
            "load.0.think_s": 1.0,  # payers pay within seconds: a short tail after the load
            "faults.0.start_s": 6.0,
            "faults.0.duration_s": 8.0,
        },
    )
    comparison = compare(scenario, speed=1.0)
    assert comparison.invoices > 800
    disagreements = [row for row in comparison.rows if not row["agrees"]]
    assert disagreements == [], comparison.rows
    figures = {row["figure"].split(": ")[-1] for row in comparison.rows}
    assert figures == {"time to detect (s)", "time to fail over (s)", "success rate (%)",
                       "double charges"}  # fmt: skip

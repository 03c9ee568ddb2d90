"""Every shipped scenario gives the same digest on the Ray and the local runtime (real Ray).

The scenarios are found by glob, so a new file in ``scenarios/`` is covered without
touching this test. A Ray window is one round of actor calls, several milliseconds
on this machine, and a shipped scenario is tens of thousands of 20 ms windows; so
each runs cut short and coarser (``coarser``): its providers, routing, faults and
bulk jobs, each fault at its own start but shorter, on the virtual clock, with a
slower network between orchestrators and providers (a longer lookahead, so longer
windows) and a lighter load. The digest covers every event of every logical
process, so equal digests are the parity the two runtimes promise.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from simulation.engine import RunOptions, run_scenario
from simulation.scenario import Scenario, load_scenario, with_overrides

SCENARIOS = sorted((Path(__file__).resolve().parents[2] / "scenarios").glob("*.yaml"))
SHARDS = 2
NETWORK_MS = 250.0  # one way; sets the lookahead: 0.25 s windows instead of 0.02 s
LOAD_SCALE = 0.1  # of every phase's rate
FAULT_S = 30.0  # faults are cut to this long ...
TAIL_S = 30.0  # ... and the run ends this long after the last fault or bulk job ends
BULK_S = 10.0  # how long a bulk job is given to be submitted


def coarser(scenario: Scenario) -> Scenario:
    """The scenario's providers, routing, faults and bulk jobs, on a shorter and coarser run.

    Faults keep their start and kind but last at most FAULT_S; the run ends TAIL_S
    after the last fault or bulk job (so detection, failover and failback all
    happen), at most at its own end. Assertions are dropped: a cut run is not
    held to the full run's verdicts, only to parity.
    """
    ends = [float(f.start_s) + _cut(f.duration_s) for f in scenario.faults]
    ends += [float(b.at_s) + BULK_S for b in scenario.bulk]
    ends += [float(p.start_s) + 1.0 for p in scenario.load]
    end_s = min(float(scenario.duration_s), max(ends, default=0.0) + TAIL_S)
    providers = scenario.model_dump(mode="json", exclude_unset=True).get("providers", {})
    for config in scenario.provider_configs():
        providers.setdefault(config.name, {})["network_ms"] = NETWORK_MS
    overrides: dict[str, Any] = {
        "duration_s": end_s,
        "providers": providers,
        "clock.mode": "virtual",  # a paced scenario (the live demo): same events, no waiting
        "assertions": [],
    }
    for i, phase in enumerate(scenario.load):
        overrides[f"load.{i}.rate_per_s"] = float(phase.rate_per_s) * LOAD_SCALE
        overrides[f"load.{i}.duration_s"] = min(
            float(phase.duration_s), end_s - float(phase.start_s)
        )
    for i, fault in enumerate(scenario.faults):
        if fault.duration_s is not None:  # None: open-ended, or an instant (actor_crash)
            overrides[f"faults.{i}.duration_s"] = _cut(fault.duration_s)
    return with_overrides(scenario, overrides)


def _cut(duration_s: float | None) -> float:
    return FAULT_S if duration_s is None else min(float(duration_s), FAULT_S)


def test_every_shipped_scenario_is_found() -> None:
    assert {p.stem for p in SCENARIOS} >= {
        "steady",
        "tempo_outage",
        "tempo_silent",
        "tempo_flapping",
        "failover_cascade",
        "reserve_drift",
        "bulk",
    }


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_a_cut_scenario_keeps_every_fault_and_bulk_job_inside_a_shorter_run(path: Path) -> None:
    full = load_scenario(path)
    cut = coarser(full)
    assert float(cut.duration_s) <= float(full.duration_s)
    assert [(f.target, f.kind, f.start_s) for f in cut.faults] == [
        (f.target, f.kind, f.start_s) for f in full.faults
    ]
    assert all(float(f.start_s) < float(cut.duration_s) for f in cut.faults)
    assert [b.at_s for b in cut.bulk] == [b.at_s for b in full.bulk]
    assert cut.clock.mode == "virtual"
    assert {c.network_ms for c in cut.provider_configs()} == {NETWORK_MS}


@pytest.mark.slow
@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_shipped_scenario_gives_the_same_digest_on_ray_and_local(
    path: Path, ray_session: Any
) -> None:
    scenario = coarser(load_scenario(path))
    local = run_scenario(scenario, RunOptions(shards=SHARDS, runtime="local"))
    remote = run_scenario(scenario, RunOptions(shards=SHARDS, runtime="ray"))
    assert local["invoices"]["created"] > 0
    assert remote["runtime"] == "ray" and local["runtime"] == "local"
    assert remote["digest"] == local["digest"]
    assert remote["invoices"] == local["invoices"]
    assert remote["failover"] == local["failover"]

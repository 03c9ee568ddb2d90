"""Every benchmark scenario keeps its pinned digest (the shipped ones are checked by
``test_shipped_scenarios_pass``): what the benchmarks measure is what was measured."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulation.engine import RunOptions, run_scenario
from simulation.scenario import load_scenario, with_overrides
from tests.engine.digests import BENCH, BENCH_CUT_S

BENCH_SCENARIOS = sorted(Path(__file__).parents[2].joinpath("bench", "scenarios").glob("*.yaml"))


def test_every_benchmark_scenario_has_a_pinned_digest() -> None:
    assert {(p.stem, shards) for p in BENCH_SCENARIOS for shards in (1, 2)} == set(BENCH)


@pytest.mark.slow
@pytest.mark.parametrize("shards", [1, 2])
@pytest.mark.parametrize("path", BENCH_SCENARIOS, ids=[p.stem for p in BENCH_SCENARIOS])
def test_benchmark_scenario_keeps_its_digest(path: Path, shards: int) -> None:
    scenario = load_scenario(path)
    if scenario.duration_s > BENCH_CUT_S * 4:
        cut = {"duration_s": BENCH_CUT_S, "load.0.duration_s": BENCH_CUT_S}
        scenario = with_overrides(scenario, cut)
    report = run_scenario(scenario, RunOptions(shards=shards))
    assert report["digest"] == BENCH[path.stem, shards]

"""The Ray runtime hosts the same logical processes and gives the same digest (real Ray)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from simulation.engine import RunOptions, run_scenario
from simulation.scenario import parse_scenario, with_overrides
from tests.engine.ray_cluster import PARITY_SCENARIO
from ui.cli.app import app


def test_ray_and_local_runtimes_give_the_same_digest(ray_session: Any) -> None:
    scenario = parse_scenario(PARITY_SCENARIO)
    local = run_scenario(scenario, RunOptions(shards=2, runtime="local"))
    remote = run_scenario(scenario, RunOptions(shards=2, runtime="ray"))
    assert remote["runtime"] == "ray" and local["runtime"] == "local"
    assert remote["digest"] == local["digest"]
    assert remote["invoices"] == local["invoices"]
    assert remote["failover"] == local["failover"]
    assert all(i["held"] for i in remote["invariants"])


def test_invoicesim_run_uses_ray_unless_told_otherwise(ray_session: Any, tmp_path: Path) -> None:
    """Without --runtime a run is on Ray, and without --shards (the scenario sets none) it
    has one shard per CPU Ray reports; --runtime local with as many shards is the same run."""
    cpus = int(ray_session.cluster_resources()["CPU"])
    assert cpus == 2  # the test Ray's, so the default differs from the scenario's 1
    scenario = tmp_path / "parity.yaml"
    scenario.write_text(PARITY_SCENARIO)
    reports = {}
    for extra in ([], ["--runtime", "local", "--shards", str(cpus)]):
        out = tmp_path / ("local" if extra else "default")
        args = ["run", str(scenario), "--no-persist", "--out", str(out), *extra]
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 0, result.output
        report = json.loads((out / "report.json").read_text())
        reports[report["runtime"]] = report
    assert list(reports) == ["ray", "local"]  # the default is Ray, --runtime local is not
    assert reports["ray"]["shards"] == cpus
    assert reports["ray"]["digest"] == reports["local"]["digest"]


def test_a_scenario_or_option_that_sets_shards_wins_over_the_cpu_count(ray_session: Any) -> None:
    short = {"duration_s": 2, "load.0.duration_s": 2, "faults": []}
    scenario = with_overrides(parse_scenario(PARITY_SCENARIO), short)
    named = with_overrides(scenario, {"shards": 1})
    assert run_scenario(named, RunOptions(runtime="ray"))["shards"] == 1
    assert run_scenario(scenario, RunOptions(runtime="ray", shards=3))["shards"] == 3
    assert run_scenario(scenario, RunOptions(runtime="local"))["shards"] == 1  # local: 1

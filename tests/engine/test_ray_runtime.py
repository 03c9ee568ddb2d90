"""The Ray runtime hosts the same logical processes and gives the same digest (real Ray)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from simulation.engine import RunOptions, run_scenario
from simulation.scenario import parse_scenario
from tests.engine.ray_cluster import PARITY_SCENARIO
from ui.cli import app


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
    scenario = tmp_path / "parity.yaml"
    scenario.write_text(PARITY_SCENARIO)
    digests = {}
    for runtime in ([], ["--runtime", "local"]):
        out = tmp_path / (runtime[-1] if runtime else "default")
        args = ["run", str(scenario), "--no-persist", "--shards", "2", "--out", str(out)]
        result = CliRunner().invoke(app, [*args, *runtime])
        assert result.exit_code == 0, result.output
        report = json.loads((out / "report.json").read_text())
        digests[report["runtime"]] = report["digest"]
    assert list(digests) == ["ray", "local"]  # the default is Ray, --runtime local is not
    assert digests["ray"] == digests["local"]

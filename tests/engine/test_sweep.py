"""Parameter sweeps: the grid, Ray tasks against the serial baseline, limits, CSV, HTML, CLI."""

from __future__ import annotations

import csv
import re
import statistics
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from actors.errors import InputError
from simulation.scenario import Scenario, load_scenario
from simulation.sweep.runner import (
    MAX_RUNS,
    parse_param,
    parse_value,
    plan_sweep,
    run_sweep,
    write_csv,
)
from ui import formatting as fmt
from ui.cli.sweep import sweep_command
from ui.report.sweep_page import cell_stats, render_sweep_html, spread

TINY = """
name: tiny_sweep
seed: 11
duration_s: 10
routing: {health_interval_s: 2}
load:
  - {start_s: 0, duration_s: 10, shape: constant, rate_per_s: 20}
faults:
  - {target: tempo, kind: outage, start_s: 3, duration_s: 3}
assertions:
  - {metric: double_pays, op: "==", limit: 0}
"""

THRESHOLDS = "routing.breaker.failure_threshold=3,5"
INTERVALS = "routing.health_interval_s=1,2.5"


def sweep_app() -> typer.Typer:
    """A Typer app of one command: it is the app itself, so no "sweep" in the arguments."""
    app = typer.Typer()
    app.command("sweep")(sweep_command)
    return app


@pytest.fixture
def scenario_file(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.yaml"
    path.write_text(TINY)
    return path


@pytest.fixture
def scenario(scenario_file: Path) -> Scenario:
    return load_scenario(scenario_file)


def test_values_are_ints_else_floats_else_booleans_else_text() -> None:
    assert [parse_value(t) for t in ("3", "2.5", "1e3", "true", "nan", "abc")] == [
        3, 2.5, 1000.0, True, "nan", "abc",
    ]  # fmt: skip
    assert parse_param(" routing.health_interval_s = 5, 15 ").values == (5, 15)


def test_a_grid_of_two_params_by_two_values_by_two_seeds_gives_eight_rows(
    ray_session: Any, scenario: Scenario
) -> None:
    plan = plan_sweep(scenario, [parse_param(THRESHOLDS), parse_param(INTERVALS)], seeds=2)
    seen: list[int] = []
    result = run_sweep(plan, on_row=lambda row: seen.append(row.index))
    assert ray_session.is_initialized()  # a Ray the sweep did not start is left running
    assert sorted(seen) == list(range(8)) and plan.cells == 4
    assert [(r.values, r.seed) for r in result.rows] == [
        ((t, h), s) for t in (3, 5) for h in (1, 2.5) for s in (11, 12)
    ]
    for row, run in zip(result.rows, plan.runs, strict=True):
        assert run.scenario.routing.breaker.failure_threshold == row.values[0]
        assert run.scenario.routing.health_interval_s == row.values[1]
        assert run.scenario.seed == row.seed
        assert row.passed and row.digest and row.double_pays == 0 and row.lost == 0
        assert row.time_to_failover_s is not None and row.success_rate is not None


def test_ray_tasks_and_the_serial_baseline_give_the_same_digest_for_every_run(
    ray_session: Any, scenario: Scenario
) -> None:
    plan = plan_sweep(scenario, [parse_param(THRESHOLDS)], seeds=2)
    on_ray = run_sweep(plan, workers=2)
    serial = run_sweep(plan, serial=True)
    assert [r.digest for r in on_ray.rows] == [r.digest for r in serial.rows]
    assert [r.time_to_failover_s for r in on_ray.rows] == [
        r.time_to_failover_s for r in serial.rows
    ]
    assert len({r.digest for r in serial.rows}) == 4  # seeds and params do change the run


def test_the_same_cell_run_twice_gives_the_same_digest(scenario: Scenario) -> None:
    plan = plan_sweep(scenario, [parse_param("routing.health_interval_s=3")], seeds=1)
    first, second = run_sweep(plan, serial=True), run_sweep(plan, serial=True)
    assert first.rows[0].digest == second.rows[0].digest
    assert first.rows[0].time_to_failover_s == second.rows[0].time_to_failover_s


def test_bad_paths_and_values_are_all_named_before_anything_runs(
    scenario_file: Path, tmp_path: Path
) -> None:
    scenario = load_scenario(scenario_file)
    params = [parse_param("routing.no_such_field=1,2"), parse_param("routing.health_interval_s=x")]
    with pytest.raises(InputError) as caught:
        plan_sweep(scenario, params, seeds=2)
    assert "no_such_field" in str(caught.value)
    assert "routing.health_interval_s" in str(caught.value)
    out = tmp_path / "out"
    app = sweep_app()
    args = [str(scenario_file), "--param", "routing.no_such_field=1", "--out", str(out)]
    result = CliRunner().invoke(app, [*args, "--serial"])
    assert result.exit_code == 2 and "no_such_field" in result.output
    assert not out.exists()


@pytest.mark.parametrize(
    "spec", ["routing.health_interval_s", "=1,2", "routing.health_interval_s=1,,2", "seed=1,2"]
)
def test_a_malformed_param_is_an_input_error_naming_it(spec: str) -> None:
    with pytest.raises(InputError, match="--param"):
        parse_param(spec)


def test_more_runs_or_params_than_the_limits_are_refused(scenario: Scenario) -> None:
    values = ",".join(str(v) for v in range(1, 27))
    params = [parse_param(f"routing.breaker.failure_threshold={values}")]
    with pytest.raises(InputError, match=f"26 x 20 seeds = 520 runs; the limit is {MAX_RUNS}"):
        plan_sweep(scenario, params, seeds=20)
    seven = [parse_param(f"p{i}=1") for i in range(7)]
    with pytest.raises(InputError, match="at most 6"):
        plan_sweep(scenario, seven, seeds=1)


def test_the_csv_neutralises_a_value_that_looks_like_a_formula(
    scenario: Scenario, tmp_path: Path
) -> None:
    plan = plan_sweep(scenario, [parse_param('description==HYPERLINK("x"),@SUM(1)')], seeds=1)
    result = run_sweep(plan, serial=True)
    write_csv(result, tmp_path / "sweep.csv")
    with (tmp_path / "sweep.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["description"] for r in rows] == ['\'=HYPERLINK("x")', "'@SUM(1)"]
    assert rows[0]["digest"] == result.rows[0].digest and rows[0]["passed"] == "True"


def test_the_html_is_self_contained_and_shows_each_cells_median_and_spread(
    scenario: Scenario,
) -> None:
    params = [parse_param(THRESHOLDS), parse_param("routing.health_interval_s=1,<b>")]
    with pytest.raises(InputError):  # a text value for a number is refused up front
        plan_sweep(scenario, params, seeds=1)
    params = [parse_param(THRESHOLDS), parse_param("description=<b>x</b>,y")]
    result = run_sweep(plan_sweep(scenario, params, seeds=2), serial=True)
    page = render_sweep_html(result)
    assert "<script" not in page and "src=" not in page and "<b>x" not in page
    assert "&lt;b&gt;x&lt;/b&gt;" in page
    for cell in cell_stats(result.rows, 2):
        times = [r.time_to_failover_s for r in result.rows if r.values == cell.values]
        measured = sorted(t for t in times if t is not None)
        median = fmt.seconds(statistics.median(measured))
        assert f">{median}</text>" in page  # in its heatmap square
        assert f">{median}</td>" in page  # in the table of every cell
        assert spread(cell).startswith(fmt.seconds(measured[0]).removesuffix(" s"))
    assert "Double pays" in page


def test_the_cli_sweeps_on_ray_exits_0_and_writes_the_csv_and_the_html(
    ray_session: Any, scenario_file: Path, tmp_path: Path
) -> None:
    app = sweep_app()
    out = tmp_path / "out"
    args = [str(scenario_file), "--param", THRESHOLDS, "--param", INTERVALS]
    result = CliRunner().invoke(app, [*args, "--seeds", "2", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "failures" in result.output
    with (out / "sweep.csv").open(newline="", encoding="utf-8") as handle:
        assert len(list(csv.DictReader(handle))) == 8
    assert "time to failover" in (out / "sweep.html").read_text(encoding="utf-8").lower()


def test_the_cli_exits_1_when_a_run_fails_an_assertion(scenario_file: Path, tmp_path: Path) -> None:
    scenario_file.write_text(
        TINY + '  - {metric: time_to_failover_s, fault: 0, op: "<=", limit: 0.000001}\n'
    )
    app = sweep_app()
    args = [str(scenario_file), "--param", THRESHOLDS, "--out", str(tmp_path / "o")]
    result = CliRunner().invoke(app, [*args, "--serial"], env={"COLUMNS": "200"})
    assert result.exit_code == 1, result.output
    assert "FAILED run 0" in result.output
    # Each failed run names its assertion with the value and the limit it broke.
    said = re.findall(r"time_to_failover_s [0-9.]+ > 1e-06", result.output)
    assert len(said) == 2, result.output
    out = tmp_path / "o"
    with (out / "sweep.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert all(re.fullmatch(r"time_to_failover_s [0-9.]+ > 1e-06", r["failed"].split(": ")[1])
               for r in rows)  # fmt: skip
    page = (out / "sweep.html").read_text(encoding="utf-8")
    assert page.count("time_to_failover_s") >= 2
    assert "an assertion or invariant failed" not in page + result.output

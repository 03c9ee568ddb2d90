"""Parameter sweeps: one scenario, a grid of overrides, several seeds, one row per run.

``parse_param`` reads ``PATH=V1,V2,...`` (each value an int, else a float, else
``true``/``false``, else text). ``plan_sweep`` builds the grid, the cartesian
product of the values times the seeds ``scenario.seed + 0 .. seeds-1``, and
validates every run's overrides before anything runs, so every bad path or
value is reported at once. ``run_sweep`` runs each planned run as a Ray task
(``run_one``, through ``simulation.runtime.ray.pool.map_on_ray``: one CPU each, a bounded
number in flight) or, with ``serial``, one after the
other in this process. Every run is deterministic, so both give the same
digests. ``write_csv`` writes ``sweep.csv``.

A *cell* is one combination of parameter values; a *run* is a cell at one seed.
"""

from __future__ import annotations

import csv
import itertools
import math
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from actors.errors import InputError, InvoicesimError
from simulation.export import safe_cell
from simulation.report.verdict import failures, verdict
from simulation.runtime.ray.pool import map_on_ray
from simulation.scenario import Scenario, ScenarioError, with_overrides

MAX_PARAMS = 6
MAX_RUNS = 500
MAX_SPEC_CHARS = 2_000
MAX_WORKERS = 256

Value = int | float | bool | str
RowCallback = Callable[["RunRow"], None]

CSV_COLUMNS = (
    "time_to_detect_s",
    "time_to_failover_s",
    "time_to_failback_s",
    "double_pays",
    "lost",
    "success_rate",
    "passed",
    "wall_s",
    "failed",
    "error",
)


@dataclass(frozen=True)
class Param:
    path: str
    values: tuple[Value, ...]


@dataclass(frozen=True)
class PlannedRun:
    index: int
    cell: int
    values: tuple[Value, ...]  # one per parameter, in the order given
    seed: int
    scenario: Scenario  # overrides applied and validated


@dataclass(frozen=True)
class RunRow:
    """What a run sends back: small, so a sweep of 500 runs costs little to collect."""

    index: int
    cell: int
    values: tuple[Value, ...]
    seed: int
    digest: str = ""  # empty when the run stopped on an error
    time_to_detect_s: float | None = None  # of the first fault; None: no fault, not measured
    time_to_failover_s: float | None = None
    time_to_failback_s: float | None = None
    double_pays: int = 0
    lost: int = 0
    success_rate: float | None = None  # paid / (paid + failed); None when neither happened
    passed: bool = False  # every invariant held, every assertion passed, no error
    wall_s: float = 0.0
    # Each invariant that did not hold and assertion that failed, with its value and limit.
    failed: tuple[str, ...] = ()
    error: str = ""  # the error the run stopped on

    @property
    def reason(self) -> str:
        """Why the run failed, in one line: its error, else what failed; empty if it passed."""
        return self.error or "; ".join(self.failed)


@dataclass(frozen=True)
class SweepPlan:
    scenario: Scenario
    params: tuple[Param, ...]
    seeds: tuple[int, ...]
    cells: int
    runs: tuple[PlannedRun, ...]


@dataclass(frozen=True)
class SweepResult:
    plan: SweepPlan
    rows: tuple[RunRow, ...]  # in grid order
    wall_s: float

    @property
    def failures(self) -> tuple[RunRow, ...]:
        return tuple(row for row in self.rows if not row.passed)


# ---- the grid -------------------------------------------------------------------------
def parse_value(text: str) -> Value:
    try:
        return int(text)
    except ValueError:
        pass
    try:
        number = float(text)
    except ValueError:
        number = math.nan
    if math.isfinite(number):
        return number
    lowered = text.lower()
    if lowered in ("true", "false"):  # scenario booleans are strict: "true" is not True
        return lowered == "true"
    return text


def parse_param(spec: str) -> Param:
    """``routing.breaker.failure_threshold=3,5,10`` as a ``Param``; InputError naming it."""
    shown = spec if len(spec) <= 80 else spec[:77] + "..."
    if len(spec) > MAX_SPEC_CHARS:
        raise InputError(f"--param {shown!r}: longer than {MAX_SPEC_CHARS:,} characters")
    path, sep, rest = spec.partition("=")
    path = path.strip()
    if not sep or not path or not rest.strip():
        raise InputError(
            f"--param {shown!r}: write PATH=V1,V2,... (e.g. routing.health_interval_s=5,15)"
        )
    if path == "seed":
        raise InputError(f"--param {shown!r}: sweep seeds with --seeds, not --param seed")
    texts = [t.strip() for t in rest.split(",")]
    if any(not t for t in texts):
        raise InputError(f"--param {shown!r}: an empty value (check the commas)")
    values = tuple(parse_value(t) for t in texts)
    keys = [(isinstance(v, bool), v) for v in values]  # 1 == 1.0, but True is not 1 here
    repeated = sorted({t for t, k in zip(texts, keys, strict=True) if keys.count(k) > 1})
    if repeated:
        raise InputError(f"--param {shown!r}: value {repeated[0]!r} is given more than once")
    return Param(path, values)


def plan_sweep(scenario: Scenario, params: Sequence[Param], seeds: int) -> SweepPlan:
    """Every run of the sweep, its overrides validated; all problems in one InputError."""
    if len(params) > MAX_PARAMS:
        raise InputError(f"{len(params)} parameters given; a sweep takes at most {MAX_PARAMS}")
    paths = [p.path for p in params]
    twice = sorted({p for p in paths if paths.count(p) > 1})
    if twice:
        raise InputError(f"--param {twice[0]!r} is given more than once; list its values once")
    if not 1 <= seeds <= MAX_RUNS:
        raise InputError(f"--seeds must be within 1..{MAX_RUNS}, got {seeds}")
    sizes = [len(p.values) for p in params]
    total = math.prod(sizes) * seeds
    if total > MAX_RUNS:
        shape = " x ".join([*(str(s) for s in sizes), f"{seeds} seeds"])
        raise InputError(
            f"the sweep has {shape} = {total:,} runs; the limit is {MAX_RUNS}: "
            "use fewer values or seeds"
        )
    seed_values = tuple(int(scenario.seed) + i for i in range(seeds))
    # Each value alone first: a bad path would otherwise hide the bad values of other params.
    problems = [
        problem
        for p in params
        for value in p.values
        for problem in _problems(scenario, {p.path: value})
    ]
    problems += _problems(scenario, {"seed": seed_values[-1]})
    if problems:
        raise ScenarioError(scenario.source, list(dict.fromkeys(problems)))
    runs: list[PlannedRun] = []
    grid = list(itertools.product(*(p.values for p in params)))
    for cell, values in enumerate(grid):
        for seed in seed_values:
            overrides: dict[str, Any] = dict(zip(paths, values, strict=True))
            overrides["seed"] = seed
            try:
                runs.append(
                    PlannedRun(len(runs), cell, values, seed, with_overrides(scenario, overrides))
                )
            except ScenarioError as error:
                problems += error.errors
    if problems:
        raise ScenarioError(scenario.source, list(dict.fromkeys(problems)))
    return SweepPlan(scenario, tuple(params), seed_values, len(grid), tuple(runs))


def _problems(scenario: Scenario, overrides: dict[str, Any]) -> list[str]:
    try:
        with_overrides(scenario, overrides)
    except ScenarioError as error:
        return error.errors
    return []


def default_out_dir(scenario: Scenario) -> Path:
    """``runs/sweep-<name>``, the name made safe as a single folder name."""
    name = re.sub(r"[^A-Za-z0-9._-]", "_", scenario.name).lstrip(".") or "scenario"
    return Path("runs") / f"sweep-{name}"


# ---- running --------------------------------------------------------------------------
def run_one(run: PlannedRun) -> RunRow:
    """The body of a sweep task: run one scenario in-process and keep a row of its report."""
    from simulation.engine import RunOptions, run_scenario

    started = time.perf_counter()
    try:
        report = run_scenario(run.scenario, RunOptions())
    except InvoicesimError as error:  # e.g. an invariant broken: this run failed, not the sweep
        return RunRow(
            index=run.index,
            cell=run.cell,
            values=run.values,
            seed=run.seed,
            wall_s=round(time.perf_counter() - started, 3),
            error=f"{type(error).__name__}: {error}",
        )
    wall_s = round(time.perf_counter() - started, 3)
    first = report["failover"][0] if report["failover"] else {}
    invoices = report["invoices"]
    settled = int(invoices["paid"]) + int(invoices["failed"])
    return RunRow(
        index=run.index,
        cell=run.cell,
        values=run.values,
        seed=run.seed,
        digest=str(report["digest"]),
        time_to_detect_s=first.get("time_to_detect_s"),
        time_to_failover_s=first.get("time_to_failover_s"),
        time_to_failback_s=first.get("time_to_failback_s"),
        double_pays=int(report["double_pays"]),
        lost=int(report["lost"]),
        success_rate=round(int(invoices["paid"]) / settled, 6) if settled else None,
        passed=verdict(report),
        wall_s=wall_s,
        failed=tuple(failures(report)),
    )


def run_sweep(
    plan: SweepPlan,
    serial: bool = False,
    workers: int | None = None,
    ray_address: str | None = None,
    on_row: RowCallback | None = None,
) -> SweepResult:
    """Run every planned run; ``on_row`` is called as each row arrives (for progress)."""
    check_workers(workers)
    started = time.perf_counter()
    if serial:
        rows = []
        for run in plan.runs:
            rows.append(run_one(run))
            if on_row is not None:
                on_row(rows[-1])
    else:
        rows = _run_on_ray(plan.runs, workers, ray_address, on_row)
    rows.sort(key=lambda row: row.index)
    return SweepResult(plan, tuple(rows), round(time.perf_counter() - started, 3))


def check_workers(workers: int | None) -> None:
    if workers is not None and not 1 <= workers <= MAX_WORKERS:
        raise InputError(f"--workers must be within 1..{MAX_WORKERS}, got {workers}")


def _run_on_ray(
    runs: Sequence[PlannedRun],
    workers: int | None,
    address: str | None,
    on_row: RowCallback | None,
) -> list[RunRow]:
    return map_on_ray(run_one, runs, workers, address, on_row)


# ---- the CSV --------------------------------------------------------------------------
def write_csv(result: SweepResult, path: Path) -> None:
    """One row per run; None is an empty cell; no cell can be read as a formula."""
    header = ["run", *(p.path for p in result.plan.params), "seed", "digest", *CSV_COLUMNS]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow([safe_cell(h) for h in header])
        for row in result.rows:
            cells: list[object] = [row.index, *row.values, row.seed, row.digest]
            cells += [_csv_value(getattr(row, column)) for column in CSV_COLUMNS]
            writer.writerow(["" if c is None else safe_cell(c) for c in cells])


def _csv_value(value: object) -> object:
    """A cell of ``sweep.csv``: what failed, one line per check joined by "; "."""
    return "; ".join(value) if isinstance(value, tuple) else value

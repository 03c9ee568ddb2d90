"""The Ray figures of the benchmarks, against the targets of the Ray issue.

- the Ray runtime with 2 shards and persistence on (a private embedded
  PostgreSQL in a temporary folder), on the first ``RAY_DURATION_S`` of
  ``throughput_1000``: invoices per second of wall time (target >= 15,000/s),
  and the coordinator's cost per window: the round trip of one window (calls
  to every busy actor and the wait for all answers), beside the same figure of
  the local runtime's throughput runs, where a window is plain function calls;
- a 45-run sweep (``bench.sweep_child``: 3 x 3 cells x 5 seeds of
  ``sweep_silent``) as parallel Ray tasks against ``--serial``: the speedup
  (target >= 1.6x), and whether both did the same runs (same digests).

Each is a fresh process, run alone (never beside another measured run): both
use every core. Both are measured ``--reps`` times (a sweep rep is one parallel
and one serial sweep); each figure is the median of the reps, min to max the spread.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.stats import median, spread

RAY_THROUGHPUT_TARGET = 15_000.0  # invoices per second of wall time, at least
SWEEP_SPEEDUP_TARGET = 1.6  # serial wall time over parallel, at least
RAY_DURATION_S = 120.0  # of throughput_1000: 30,000 windows of 20 ms would take too long
SWEEP_SEEDS = 5
SWEEP_TIMEOUT_S = 1800


@dataclass(frozen=True, slots=True)
class Sweep:
    runs: int
    parallel_s: float
    serial_s: float
    passed: int
    same_runs: bool

    @property
    def speedup(self) -> float:
        return self.serial_s / self.parallel_s


def ray_run_args(quick: bool) -> tuple[float, list[str]]:
    """The duration and the extra ``bench.child`` arguments of the Ray run."""
    return (10.0 if quick else RAY_DURATION_S), ["--runtime", "ray", "--shards", "2", "--persist"]


def private_database() -> tuple[dict[str, str], Path]:
    """An environment whose embedded PostgreSQL lives in a new temporary folder."""
    folder = Path(tempfile.mkdtemp(prefix="invoicesim-bench-"))
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["INVOICESIM_DATA_DIR"] = str(folder)
    return env, folder


def drop_database(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)


def measure_sweep(root: Path, scenario: Path, quick: bool) -> Sweep:
    seeds = 1 if quick else SWEEP_SEEDS
    parallel = _sweep(root, scenario, seeds, serial=False)
    serial = _sweep(root, scenario, seeds, serial=True)
    return Sweep(
        runs=int(serial["runs"]),
        parallel_s=float(parallel["wall_s"]),
        serial_s=float(serial["wall_s"]),
        passed=int(serial["passed"]),
        same_runs=parallel["digest"] == serial["digest"],
    )


def _sweep(root: Path, scenario: Path, seeds: int, serial: bool) -> dict[str, Any]:
    args = [sys.executable, "-m", "bench.sweep_child", str(scenario), str(seeds)]
    if serial:
        args.append("--serial")
    done = subprocess.run(
        args, cwd=root, stdout=subprocess.PIPE, text=True, timeout=SWEEP_TIMEOUT_S, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"bench: the {'serial' if serial else 'Ray'} sweep failed")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"bench: sweep {'serial' if serial else 'ray'}: {result}", file=sys.stderr)
    return result


def render(
    ray_runs: list[Any], local_runs: list[Any], sweeps: list[Sweep]
) -> tuple[list[str], list[str]]:
    """Rows for the targets table (under the caller's header), and a section of their own."""
    first = ray_runs[0]
    rates = [r.invoices_per_s for r in ray_runs]
    rate = median(rates)
    speedups = [s.speedup for s in sweeps]
    speedup = median(speedups)
    serial_s = median([s.serial_s for s in sweeps])
    parallel_s = median([s.parallel_s for s in sweeps])
    rows = [
        f"| throughput, first {first.simulated_s:g} s of `{first.scenario}`, Ray runtime, "
        f"2 shards, persistence on | {rate:,.0f} invoices/s | {spread(rates, ',.0f')} "
        f"| {len(ray_runs)} | ≥ {RAY_THROUGHPUT_TARGET:,.0f} invoices/s "
        f"| {rate / RAY_THROUGHPUT_TARGET:.2f} |",
        f"| sweep of {sweeps[0].runs} runs of `sweep_silent`, Ray tasks vs `--serial` "
        f"| {speedup:.2f}x (median {serial_s:.0f} s / {parallel_s:.0f} s) "
        f"| {spread(speedups, '.2f')} | {len(sweeps)} "
        f"| ≥ {SWEEP_SPEEDUP_TARGET:g}x | {speedup / SWEEP_SPEEDUP_TARGET:.2f} |",
    ]
    return rows, _window_section(ray_runs, local_runs) + _sweep_notes(sweeps)


def _window_section(ray_runs: list[Any], local_runs: list[Any]) -> list[str]:
    section = [
        "## The coordinator's cost per window",
        "",
        "The round trip of one window: `runtime.advance`, the calls to every busy logical",
        "process and the wait for all of their answers, timed around the call. One row per run.",
        "",
        "| runtime | windows | mean ms | median ms | p99 ms |",
        "|---|---:|---:|---:|---:|",
    ]
    rows = [(f"Ray, 2 shards, persistence on (first {r.simulated_s:g} s)", r) for r in ray_runs]
    rows += [(f"local, 1 shard, no persistence ({r.simulated_s:g} s)", r) for r in local_runs]
    section += [
        f"| {label} | {r.windows:,} | {r.window_ms_mean:.2f} | {r.window_ms_p50:.2f} "
        f"| {r.window_ms_p99:.2f} |"
        for label, r in rows
    ]
    if local_runs:
        ray_ms = median([r.window_ms_mean for r in ray_runs])
        local_ms = median([r.window_ms_mean for r in local_runs])
        section += [
            "",
            f"Ray minus local, mean per window: {ray_ms - local_ms:+.2f} ms (each the median",
            "of its runs' means). Both include the logical processes' own work, done in one",
            "process locally and spread over the actors on Ray, so the difference is the",
            "coordinator's cost only roughly.",
        ]
    return [*section, "", "Ray's own start is not counted: a run's clock starts once Ray is up."]


def _sweep_notes(sweeps: list[Sweep]) -> list[str]:
    runs = sum(s.runs for s in sweeps)
    passed = sum(s.passed for s in sweeps)
    same = all(s.same_runs for s in sweeps)
    return [
        "",
        f"The sweeps' runs passed: {passed} of {runs} ({len(sweeps)} rep(s)); parallel and",
        f"serial did the same runs (same digests) in every rep: {'yes' if same else 'NO'}.",
        "A speedup above the number of cores means other programs were using the machine:",
        "parallel workers then get a larger share of the contended cores than one serial",
        "process.",
        "",
    ]

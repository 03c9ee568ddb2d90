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
use every core.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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


def render(ray_run: Any, local_runs: list[Any], sweep: Sweep) -> tuple[list[str], list[str]]:
    """Rows for the targets table (under the caller's header), and a section of their own."""
    rate = ray_run.invoices_per_s
    local_ms = statistics.median(r.window_ms_mean for r in local_runs) if local_runs else 0.0
    speedup = sweep.speedup
    rows = [
        f"| throughput, first {ray_run.simulated_s:g} s of `{ray_run.scenario}`, Ray runtime, "
        f"2 shards, persistence on | {rate:,.0f} invoices/s | one run | 1 "
        f"| ≥ {RAY_THROUGHPUT_TARGET:,.0f} invoices/s | {rate / RAY_THROUGHPUT_TARGET:.2f} |",
        f"| sweep of {sweep.runs} runs of `sweep_silent`, Ray tasks vs `--serial` "
        f"| {speedup:.2f}x ({sweep.serial_s:.0f} s / {sweep.parallel_s:.0f} s) | one run | 1 "
        f"| ≥ {SWEEP_SPEEDUP_TARGET:g}x | {speedup / SWEEP_SPEEDUP_TARGET:.2f} |",
    ]
    section = [
        "## The coordinator's cost per window",
        "",
        "The round trip of one window: `runtime.advance`, the calls to every busy logical",
        "process and the wait for all of their answers, timed around the call.",
        "",
        "| runtime | windows | mean ms | median ms | p99 ms |",
        "|---|---:|---:|---:|---:|",
        f"| Ray, 2 shards, persistence on (first {ray_run.simulated_s:g} s) "
        f"| {ray_run.windows:,} | {ray_run.window_ms_mean:.2f} | {ray_run.window_ms_p50:.2f} "
        f"| {ray_run.window_ms_p99:.2f} |",
    ]
    section += [
        f"| local, 1 shard, no persistence ({r.simulated_s:g} s) | {r.windows:,} "
        f"| {r.window_ms_mean:.2f} | {r.window_ms_p50:.2f} | {r.window_ms_p99:.2f} |"
        for r in local_runs
    ]
    if local_runs:
        section += [
            "",
            f"Ray minus local, mean per window: {ray_run.window_ms_mean - local_ms:+.2f} ms "
            "(the local figure is the median of its runs' means). Both include the",
            "logical processes' own work, done in one process locally and spread over the",
            "actors on Ray, so the difference is the coordinator's cost only roughly.",
        ]
    section += [
        "",
        "Ray's own start is not counted: a run's clock starts once Ray is up.",
        "",
        f"The sweep's runs passed: {sweep.passed} of {sweep.runs}; parallel and serial did "
        f"the same runs (same digests): {'yes' if sweep.same_runs else 'NO'}. A speedup",
        "above the number of cores means other programs were using the machine: parallel",
        "workers then get a larger share of the contended cores than one serial process.",
        "",
    ]
    return rows, section

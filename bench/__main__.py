"""The benchmarks: ``make bench`` runs ``python -m bench`` and rewrites BENCHMARKS.md.

Two figures, each against a target from the performance issue:

- throughput: invoices per second of wall time on ``throughput_1000`` (600 s of
  1,000 invoices/s), local runtime, no persistence (target >= 50,000/s);
- memory: peak RSS of the 1-hour twin over that of the 10-minute run
  (target <= 1.2: memory must not grow with the length of a run).

Every run is a fresh interpreter (``bench.child``), so one run's memory never
counts in the next; its peak RSS comes from ``os.wait4``. The 10-minute runs
give both the throughput and the 10-minute RSS. Every figure of the page is the
median of its runs, with min-max as the spread (``bench.stats``): the machine
may be shared, so compare ratios taken within one bench run, not figures taken
on different days. ``--reps`` (default 3) counts the runs of the 10-minute
scenario, of the Ray run, of the sweep and of the API figures; ``--matrix-reps``
(default 3) those of each matrix cell, which are many; ``--long-reps`` (default
3) those of the 1-hour scenario.

The 1-hour runs only measure memory, and take about 6 minutes each, so on a
machine with two cores or more they run beside the 10-minute runs, on another
core (``--serial`` runs everything one after another); the rest waits for them.
A full ``make bench`` took 40 minutes on this 2-core machine.

Then ``--matrix-reps`` runs of each cell of local vs Ray, 1 vs 2 shards, with and
without persistence, on the first 60 s of ``throughput_1000`` (``bench/matrix.py``).

Then the failover figures of every shipped fault scenario over three seeds
(``bench/failover.py``; simulated seconds, so the machine's load does not move
them), beside the public anchors.

Then the live demo's figures (``bench/demo_ready.py``): ``invoicesim demo``
started three times and watched in headless Chromium, time to a ready
dashboard and how stale its data gets (``--no-demo`` leaves them out; they need
Debian's chromium).

Then the API under load (``bench/api_figures.py``), ``--reps`` times on a fresh
server: its two latency targets and the dashboards' mix at 1,000 requests/s for
60 s, then, on a second server with the demo's 30 days of history, the reserves'
history read by 8 clients at once (``--no-api`` leaves it all out;
``python -m bench.api_load --history`` measures only the last).

Then the simulation against reality (``bench/sim_vs_real.py``): ``tempo_outage`` and
``tempo_silent`` at 100 invoices/s, simulated and exercised over real HTTP, figure by
figure, then ``tempo_outage`` exercised end to end at 200 invoices/s for 3 minutes,
recorded in PostgreSQL (about 17 minutes of wall time in all; ``--no-exercise`` leaves
them out).

Then how fast the command line starts (``bench/cli_start.py``): ``invoicesim
--help``, ``version`` and ``validate``, each the median of 9 fresh processes, first,
while the machine is quiet.

Then, alone, the Ray figures (``bench/ray_parts.py``): the Ray runtime's
throughput with persistence and its cost per window, and a 45-run sweep's
speedup over running it serially. ``--no-ray`` leaves them out; ``--ray-only``
measures only them (printed, never written to BENCHMARKS.md).

``--quick`` is a smoke run (20 s and 120 s scenarios, 10 s matrix cells, a 10 s Ray
run and a 9-run sweep; one run of each unless ``--reps``, ``--matrix-reps`` or
``--long-reps`` is given) that prints the page and leaves BENCHMARKS.md alone
unless ``--out`` is given.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import threading
from pathlib import Path

from bench import (
    api_figures,
    cli_start,
    demo_ready,
    failover,
    fuzz_figures,
    matrix,
    ray_parts,
    sim_vs_real,
)
from bench.ray_parts import Sweep
from bench.render import render
from bench.runs import ROOT, Run, measure, stop_running
from bench.stats import LONG_REPS, MATRIX_REPS, REPS

SCENARIOS = Path(__file__).resolve().parent / "scenarios"
SHORT = SCENARIOS / "throughput_1000.yaml"
LONG = SCENARIOS / "throughput_1000_1h.yaml"
SWEEP = SCENARIOS / "sweep_silent.yaml"


def machine() -> dict[str, str]:
    def first(path: str, key: str) -> str:
        try:
            for line in Path(path).read_text().splitlines():
                if line.startswith(key):
                    return line.split(":", 1)[1].strip()
        except OSError:
            pass
        return "unknown"

    mem_kib = first("/proc/meminfo", "MemTotal").split()[0]
    ram = f"{int(mem_kib) / 1024**2:.1f} GiB" if mem_kib.isdigit() else "unknown"
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return {
        "cpu": first("/proc/cpuinfo", "model name"),
        "cores": str(os.cpu_count()),
        "ram": ram,
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "os": platform.platform(),
        "load": load,
        "commit": _commit(),
    }


def _commit() -> str:
    """The commit measured, with a mark when the working tree differs from it."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=ROOT, capture_output=True, text=True,
        ).stdout.strip()  # fmt: skip
    except OSError:
        return "unknown"
    return f"{head or 'unknown'}{' (with uncommitted changes)' if dirty else ''}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--quick", action="store_true",
        help="smoke run: short scenarios, every count 1 unless given",
    )  # fmt: skip
    parser.add_argument(
        "--reps", type=int,
        help=f"runs of the 10-minute scenario, the Ray run, the sweep and the API figures; "
        f"each figure is their median, min to max the spread (default {REPS})",
    )  # fmt: skip
    parser.add_argument(
        "--matrix-reps", type=int,
        help=f"runs of each of the {len(matrix.CELLS)} cells of the engine matrix "
        f"(default {MATRIX_REPS})",
    )  # fmt: skip
    parser.add_argument(
        "--long-reps", type=int, help=f"runs of the 1-hour scenario (default {LONG_REPS})"
    )
    parser.add_argument("--serial", action="store_true", help="never run two at once")
    parts = parser.add_mutually_exclusive_group()
    parts.add_argument("--no-ray", action="store_true", help="leave out the Ray figures")
    parts.add_argument("--ray-only", action="store_true", help="only the Ray figures (printed)")
    parser.add_argument("--no-demo", action="store_true", help="leave out the demo figures")
    parser.add_argument("--no-api", action="store_true", help="leave out the API figures")
    parser.add_argument("--no-fuzz", action="store_true", help="leave out the fuzzer's figures")
    parser.add_argument(
        "--no-exercise", action="store_true", help="leave out the simulation against reality"
    )
    parser.add_argument("--out", type=Path, help="where to write (default BENCHMARKS.md)")
    args = parser.parse_args(argv)
    _default_counts(args)
    if not (1 <= args.reps <= 20 and 1 <= args.matrix_reps <= 20 and 1 <= args.long_reps <= 10):
        parser.error("--reps and --matrix-reps must be within 1..20, --long-reps within 1..10")
    command = " ".join(["python -m bench", *(argv if argv is not None else sys.argv[1:])])
    info = machine()
    parallel = not args.serial and (os.cpu_count() or 1) >= 2
    short: list[Run] = []
    long: list[Run] = []
    ray: tuple[list[Run], list[Sweep]] | None = None
    faults: list[failover.Fault] = []
    demo: list[str] = []
    api: list[str] = []
    fuzzed: list[str] = []
    real: list[str] = []
    cells: list[matrix.Cell] = []
    starts: list[cli_start.Start] = []
    try:
        if not args.ray_only:
            starts = cli_start.measure(3 if args.quick else cli_start.REPS)
            _measure_engine(args, parallel, short, long)
            cells = matrix.measure(measure, SHORT, args.quick, args.matrix_reps)
            faults = failover.measure(args.quick)
            if not args.no_demo:
                demo = demo_ready.render(demo_ready.measure(1 if args.quick else 3))
            if not args.no_api:
                api = api_figures.render(api_figures.measure(args.quick, args.reps))
            if not args.no_fuzz:
                seeds = fuzz_figures.QUICK_SEEDS if args.quick else fuzz_figures.SEEDS
                fuzzed = fuzz_figures.render(fuzz_figures.measure(seeds))
            if not args.no_exercise:
                real = sim_vs_real.render(sim_vs_real.measure(args.quick))
                real += sim_vs_real.render_end_to_end(sim_vs_real.end_to_end(args.quick))
        if not args.no_ray:
            ray = _measure_ray(args.quick, args.reps)
    finally:
        stop_running()
    layout = "1-hour run beside the 10-minute runs" if parallel else "one run at a time"
    info["layout"] = "Ray figures only" if args.ray_only else layout
    info["reps"] = (
        f"--reps {args.reps}, --matrix-reps {args.matrix_reps}, --long-reps {args.long_reps}"
        f"{' (with --quick)' if args.quick else ''}"
    )
    sections = matrix.render(cells) + failover.render(faults) + demo + api + fuzzed + real
    sections += cli_start.render(starts) if starts else []
    text = render(short, long, ray, command.strip(), info, sections)
    default = None if args.quick or args.ray_only else ROOT / "BENCHMARKS.md"
    out = args.out if args.out is not None else default
    if out is None:
        print(text)
    else:
        out.write_text(text)
        print(f"bench: wrote {out}", file=sys.stderr)


def _default_counts(args: argparse.Namespace) -> None:
    """A count not given is its default, or 1 with ``--quick`` (a smoke run stays fast)."""
    for name, default in (("reps", REPS), ("matrix_reps", MATRIX_REPS), ("long_reps", LONG_REPS)):
        if getattr(args, name) is None:
            setattr(args, name, 1 if args.quick else default)


def _measure_engine(
    args: argparse.Namespace, parallel: bool, short: list[Run], long: list[Run]
) -> None:
    short_s, long_s = (20.0, 120.0) if args.quick else (None, None)
    reps, long_reps = args.reps, args.long_reps
    long_runs = threading.Thread(
        target=_measure_all, args=(LONG, long_s, long_reps, long), daemon=True
    )
    if parallel:
        long_runs.start()
    _measure_all(SHORT, short_s, reps, short)
    if parallel:
        long_runs.join()
    else:
        _measure_all(LONG, long_s, long_reps, long)
    if len(long) < long_reps:
        raise SystemExit(f"bench: {LONG.name} did not finish")


def _measure_ray(quick: bool, reps: int) -> tuple[list[Run], list[Sweep]]:
    duration_s, extra = ray_parts.ray_run_args(quick)
    runs: list[Run] = []
    for i in range(reps):
        env, folder = ray_parts.private_database()
        try:
            runs.append(measure(SHORT, duration_s, extra, env))
        finally:
            ray_parts.drop_database(folder)
        line = f"{_line(runs[-1])}, {runs[-1].windows:,} windows"
        print(f"bench: {SHORT.name} on Ray run {i + 1}/{reps}: {line}", file=sys.stderr)
    return runs, [ray_parts.measure_sweep(ROOT, SWEEP, quick) for _ in range(reps)]


def _measure_all(scenario: Path, duration_s: float | None, reps: int, into: list[Run]) -> None:
    for i in range(reps):
        into.append(measure(scenario, duration_s))
        print(f"bench: {scenario.name} run {i + 1}/{reps}: {_line(into[-1])}", file=sys.stderr)


def _line(run: Run) -> str:
    return (
        f"{run.invoices:,} invoices in {run.wall_s:.1f} s = {run.invoices_per_s:,.0f}/s, "
        f"peak RSS {run.peak_rss_mib:,.0f} MiB"
    )


if __name__ == "__main__":
    main()

"""The benchmarks: ``make bench`` runs ``python -m bench`` and rewrites BENCHMARKS.md.

Two figures, each against a target from the performance issue:

- throughput: invoices per second of wall time on ``throughput_1000`` (600 s of
  1,000 invoices/s), local runtime, no persistence (target >= 50,000/s);
- memory: peak RSS of the 1-hour twin over that of the 10-minute run
  (target <= 1.2: memory must not grow with the length of a run).

Every run is a fresh interpreter (``bench.child``), so one run's memory never
counts in the next; its peak RSS comes from ``os.wait4``. The 10-minute runs
give both the throughput and the 10-minute RSS. Each figure is the median of
the runs, with min-max as the spread: the machine may be shared, so compare
ratios taken within one bench run, not figures taken on different days.

The 1-hour run only measures memory, and alone takes about as long as the rest
together, so on a machine with two cores or more it runs beside the 10-minute
runs, on another core (``--serial`` runs everything one after another).

``--quick`` is a smoke run (20 s and 120 s scenarios, one run each) that prints
the table and leaves BENCHMARKS.md alone unless ``--out`` is given.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = Path(__file__).resolve().parent / "scenarios"
SHORT = SCENARIOS / "throughput_1000.yaml"
LONG = SCENARIOS / "throughput_1000_1h.yaml"

THROUGHPUT_TARGET = 50_000.0  # invoices per second of wall time, at least
RSS_RATIO_TARGET = 1.2  # peak RSS of the 1-hour run over the 10-minute run, at most
RUN_TIMEOUT_S = 3600  # a run that takes longer than this is a bug, not a benchmark

_running: set[subprocess.Popen[str]] = set()  # killed if the bench stops early


@dataclass(frozen=True, slots=True)
class Run:
    scenario: str
    simulated_s: float
    invoices: int
    wall_s: float
    cpu_s: float
    peak_rss_mib: float
    digest: str
    passed: bool

    @property
    def invoices_per_s(self) -> float:
        return self.invoices / self.wall_s


def measure(scenario: Path, duration_s: float | None) -> Run:
    """One run of ``scenario`` in a fresh interpreter; its peak RSS from the kernel."""
    args = [sys.executable, "-m", "bench.child", str(scenario)]
    if duration_s is not None:
        args.append(str(duration_s))
    proc = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    _running.add(proc)
    watchdog = threading.Timer(RUN_TIMEOUT_S, proc.kill)
    watchdog.start()
    try:
        output = proc.stdout.read()
        # wait4, unlike Popen.wait, hands back the child's own resource usage.
        _, status, usage = os.wait4(proc.pid, 0)
    finally:
        watchdog.cancel()
        _running.discard(proc)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"bench: {scenario.name} failed (exit {proc.returncode})")
    result: dict[str, Any] = json.loads(output.strip().splitlines()[-1])
    return Run(peak_rss_mib=usage.ru_maxrss / 1024.0, **result)  # ru_maxrss is in KiB on Linux


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
    }


def spread(values: list[float], fmt: str) -> str:
    if len(values) < 2:
        return "one run"
    low, high = min(values), max(values)
    relative = (high - low) / statistics.median(values) * 100.0
    return f"{low:{fmt}} to {high:{fmt}} (±{relative / 2:.0f}% of the median)"


def render(short: list[Run], long: list[Run], command: str, info: dict[str, str]) -> str:
    rates = [r.invoices_per_s for r in short]
    rss_short = [r.peak_rss_mib for r in short]
    rss_long = [r.peak_rss_mib for r in long]
    rate = statistics.median(rates)
    ratio = statistics.median(rss_long) / statistics.median(rss_short)
    s, lg = short[0], long[0]
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` (`python -m bench`); rerun it rather than editing this file.",
        "",
        f"- Date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
        f"- Machine: {info['cpu']}, {info['cores']} cores, {info['ram']} RAM, {info['os']}",
        f"- Python: {info['python']}",
        f"- Load average when the bench started: {info['load']}",
        f"- Runs: {info['layout']}",
        f"- Command: `{command}`",
        "",
        "## Against the targets",
        "",
        "| figure | median | spread (min to max) | runs | target | median / target |",
        "|---|---:|---|---:|---|---:|",
        f"| throughput, `{s.scenario}` ({s.simulated_s:g} s at 1,000/s), local runtime, "
        f"no persistence | {rate:,.0f} invoices/s | {spread(rates, ',.0f')} | {len(short)} "
        f"| ≥ {THROUGHPUT_TARGET:,.0f} invoices/s | {rate / THROUGHPUT_TARGET:.2f} |",
        f"| peak RSS, `{s.scenario}` ({s.simulated_s:g} s) | "
        f"{statistics.median(rss_short):,.0f} MiB | {spread(rss_short, ',.0f')} "
        f"| {len(short)} | | |",
        f"| peak RSS, `{lg.scenario}` ({lg.simulated_s:g} s) | "
        f"{statistics.median(rss_long):,.0f} MiB | {spread(rss_long, ',.0f')} "
        f"| {len(long)} | | |",
        f"| peak RSS ratio, {lg.simulated_s:g} s / {s.simulated_s:g} s | {ratio:.2f} | "
        f"| | ≤ {RSS_RATIO_TARGET:g} | {ratio / RSS_RATIO_TARGET:.2f} |",
        "",
        "A median / target above 1 meets the throughput target; below 1 meets the RSS one.",
        "",
        "## Every run",
        "",
        "| scenario | simulated s | invoices | wall s | CPU s | invoices/s | peak RSS MiB "
        "| assertions | digest |",
        "|---|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for r in short + long:
        lines.append(
            f"| `{r.scenario}` | {r.simulated_s:g} | {r.invoices:,} | {r.wall_s:.1f} "
            f"| {r.cpu_s:.1f} | {r.invoices_per_s:,.0f} | {r.peak_rss_mib:,.0f} "
            f"| {'pass' if r.passed else 'FAIL'} | `{r.digest[:16]}` |"
        )
    lines += [
        "",
        "## How it is measured",
        "",
        "- Each run is a fresh `python -m bench.child SCENARIO` process. Invoices/s is the",
        "  invoices created divided by the wall time of `run_scenario` (simulation and",
        "  report; not the interpreter start or the imports). Peak RSS is the process's",
        "  `ru_maxrss` from `os.wait4`, so it covers the whole process.",
        "- Runs of one scenario have the same digest: they did the same work.",
        "- The machine may be shared and noisy: compare the ratios of one bench run,",
        "  not figures from different days or machines.",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="smoke run: 20 s and 120 s")
    parser.add_argument("--reps", type=int, default=3, help="runs of the 10-minute scenario")
    parser.add_argument("--long-reps", type=int, default=1, help="runs of the 1-hour scenario")
    parser.add_argument("--serial", action="store_true", help="never run two at once")
    parser.add_argument("--out", type=Path, help="where to write (default BENCHMARKS.md)")
    args = parser.parse_args(argv)
    if not (1 <= args.reps <= 20 and 1 <= args.long_reps <= 10):
        parser.error("--reps must be within 1..20 and --long-reps within 1..10")
    short_s, long_s = (20.0, 120.0) if args.quick else (None, None)
    reps, long_reps = (1, 1) if args.quick else (args.reps, args.long_reps)
    command = " ".join(["python -m bench", *(argv if argv is not None else sys.argv[1:])])
    info = machine()
    parallel = not args.serial and (os.cpu_count() or 1) >= 2
    long: list[Run] = []
    long_runs = threading.Thread(
        target=_measure_all, args=(LONG, long_s, long_reps, long), daemon=True
    )
    short: list[Run] = []
    try:
        if parallel:
            long_runs.start()
        _measure_all(SHORT, short_s, reps, short)
        if parallel:
            long_runs.join()
        else:
            _measure_all(LONG, long_s, long_reps, long)
    finally:
        for proc in list(_running):
            proc.kill()
    if len(long) < long_reps:
        raise SystemExit(f"bench: {LONG.name} did not finish")
    info["layout"] = "1-hour run beside the 10-minute runs" if parallel else "one run at a time"
    text = render(short, long, command.strip(), info)
    out = args.out if args.out is not None else (None if args.quick else ROOT / "BENCHMARKS.md")
    if out is None:
        print(text)
    else:
        out.write_text(text)
        print(f"bench: wrote {out}", file=sys.stderr)


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

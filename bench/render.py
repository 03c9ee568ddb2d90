"""BENCHMARKS.md from the measured runs (``python -m bench`` measures, this writes)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from bench import failover, ray_parts
from bench.stats import LONG_REPS, MATRIX_REPS, REPS, median, spread

if TYPE_CHECKING:
    from bench.ray_parts import Sweep
    from bench.runs import Run

THROUGHPUT_TARGET = 50_000.0  # invoices per second of wall time, at least
RSS_RATIO_TARGET = 1.2  # peak RSS of the 1-hour run over the 10-minute run, at most


def render(
    short: list[Run],
    long: list[Run],
    ray: tuple[list[Run], list[Sweep]] | None,
    command: str,
    info: dict[str, str],
    sections: list[str] | None = None,
) -> str:
    """The whole page; without ``short`` runs (``--ray-only``), only the Ray figures."""
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` (`python -m bench`); rerun it rather than editing this file.",
        "",
        f"- Date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
        f"- Machine: {info['cpu']}, {info['cores']} cores, {info['ram']} RAM, {info['os']}",
        f"- Python: {info['python']}",
        f"- Commit: {info.get('commit', 'unknown')}",
        f"- Load average when the bench started: {info['load']}",
        f"- Runs: {info['layout']}",
        f"- Command: `{command}`",
        "",
        "## Against the targets",
        "",
        "| figure | median | spread (min to max) | runs | target | median / target |",
        "|---|---:|---|---:|---|---:|",
    ]
    section: list[str] = []
    if short:
        lines += _engine_rows(short, long)
    if ray is not None:
        rows, section = ray_parts.render(ray[0], short, ray[1])
        lines += rows
    lines += [
        "",
        "A median / target above 1 meets a target of at least (throughput, speedup); below 1",
        "meets one of at most (RSS).",
        "",
        *(_throughput_anchor(short) if short else []),
        *section,
        *(sections or []),
        "## Every run",
        "",
        "| scenario | runtime | simulated s | invoices | wall s | CPU s | invoices/s "
        "| peak RSS MiB | assertions | digest |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    runs = [(r, "local") for r in short + long]
    if ray is not None:
        runs += [(r, "ray, 2 shards, persisted") for r in ray[0]]
    for r, runtime in runs:
        lines.append(
            f"| `{r.scenario}` | {runtime} | {r.simulated_s:g} | {r.invoices:,} | {r.wall_s:.1f} "
            f"| {r.cpu_s:.1f} | {r.invoices_per_s:,.0f} | {r.peak_rss_mib:,.0f} "
            f"| {'pass' if r.passed else 'FAIL'} | `{r.digest[:16]}` |"
        )
    lines += how_measured(info)
    return "\n".join(lines)


def _engine_rows(short: list[Run], long: list[Run]) -> list[str]:
    rates = [r.invoices_per_s for r in short]
    rss_short = [r.peak_rss_mib for r in short]
    rss_long = [r.peak_rss_mib for r in long]
    rate = median(rates)
    ratio = median(rss_long) / median(rss_short)
    s, lg = short[0], long[0]
    return [
        f"| throughput, `{s.scenario}` ({s.simulated_s:g} s at 1,000/s), local runtime, "
        f"no persistence | {rate:,.0f} invoices/s | {spread(rates, ',.0f')} | {len(short)} "
        f"| ≥ {THROUGHPUT_TARGET:,.0f} invoices/s | {rate / THROUGHPUT_TARGET:.2f} |",
        f"| peak RSS, `{s.scenario}` ({s.simulated_s:g} s) | "
        f"{median(rss_short):,.0f} MiB | {spread(rss_short, ',.0f')} "
        f"| {len(short)} | | |",
        f"| peak RSS, `{lg.scenario}` ({lg.simulated_s:g} s) | "
        f"{median(rss_long):,.0f} MiB | {spread(rss_long, ',.0f')} "
        f"| {len(long)} | | |",
        f"| peak RSS ratio, {lg.simulated_s:g} s / {s.simulated_s:g} s | {ratio:.2f} | "
        f"| | ≤ {RSS_RATIO_TARGET:g} | {ratio / RSS_RATIO_TARGET:.2f} |",
    ]


ORIGINAL_PER_MINUTE = 100  # the original system's claim: 100+ invoices per minute


def _throughput_anchor(short: list[Run]) -> list[str]:
    """The engine's throughput beside the original system's claim."""
    rate = median([r.invoices_per_s for r in short])
    return [
        "| anchor | theirs | ours |",
        "|---|---|---|",
        f"| invoices handled | {ORIGINAL_PER_MINUTE}+ per minute (the original "
        f"system's claim) | {rate * 60:,.0f} per minute ({rate:,.0f}/s, local runtime, "
        "simulated; median above) |",
        "",
    ]


def how_measured(info: dict[str, str]) -> list[str]:
    """The method, with the repetitions this page used (``info["reps"]``, from the flags)."""
    return [
        "",
        "## How it is measured",
        "",
        "- Every figure is the median of its runs, with min to max as the spread. The",
        "  counts come from the flags of `python -m bench` (see `python -m bench --help`):",
        f"  `--reps N` (default {REPS}) runs of the 10-minute scenario, of the Ray run, of",
        "  the sweep (one parallel and one serial sweep per rep) and of the API figures (a",
        f"  fresh `invoicesim serve` per rep); `--matrix-reps N` (default {MATRIX_REPS}) runs",
        f"  of each cell of the engine matrix; `--long-reps N` (default {LONG_REPS}) runs of",
        f"  the 1-hour scenario. The failover figures are over {failover.SEEDS} seeds, the",
        "  demo's over 3 starts. `--quick` makes every count 1 unless the flag is given.",
        f"  This page: {info.get('reps', 'unknown')}.",
        "- Each run is a fresh `python -m bench.child SCENARIO` process. Invoices/s is the",
        "  invoices created divided by the wall time of `run_scenario` (simulation and",
        "  report; not the interpreter start or the imports). Peak RSS is the process's",
        "  `ru_maxrss` from `os.wait4`, so it covers the whole process (for a Ray run, the",
        "  driver only: the actors are other processes).",
        "- Runs of one scenario have the same digest: they did the same work.",
        "- The Ray runs and the sweeps run alone, after the local runs: they use every core.",
        "  A sweep is `python -m bench.sweep_child` (`run_sweep`, parallel then `--serial`).",
        "- The machine may be shared and noisy: compare the ratios of one bench run,",
        "  not figures from different days or machines.",
        "",
    ]

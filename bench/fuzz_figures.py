"""The fuzzer as a benchmark: 1,000 seeds with every invariant and the differential oracles
(a crashed run equals its calm twin, checkpoints change nothing, every 50th seed on Ray
gives the local digest); the count, the violations (target 0) and the time.

``python -m bench.fuzz_figures [SEEDS]`` prints the section alone.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

from simulation.fuzz.runner import FuzzPlan, FuzzSummary, replay_command, run_fuzz

SEEDS = 1_000
QUICK_SEEDS = 50
RAY_EVERY = 50  # runtime parity on a sample: a Ray run costs a second or two of start-up


@dataclass(frozen=True)
class FuzzFigures:
    seeds: int
    failures: tuple[int, ...]
    first_failure: tuple[str, ...]
    invoices: int
    wall_s: float


def measure(seeds: int = SEEDS) -> FuzzFigures:
    summary: FuzzSummary = run_fuzz(FuzzPlan(0, seeds, ray_every=RAY_EVERY))
    failures = summary.failures
    first = (*failures[0].violations, replay_command(failures[0].seed)) if failures else ()
    return FuzzFigures(
        seeds=len(summary.results),
        failures=tuple(r.seed for r in failures),
        first_failure=first,
        invoices=sum(r.invoices for r in summary.results),
        wall_s=summary.wall_s,
    )


def render(figures: FuzzFigures) -> list[str]:
    met = "met" if not figures.failures else "**not met**"
    lines = [
        "## The fuzzer",
        "",
        f"`invoicesim fuzz --seeds {figures.seeds} --ray-every {RAY_EVERY}` "
        "(`python -m bench.fuzz_figures`): each seed's generated scenario (1-4 shards, "
        "several faults at once, spikes, every routing policy, currency and amount "
        "distribution, crashes of every kind of process) runs, every invariant is checked, "
        "and the case runs again the ways that must give the same digest and figures: "
        "without its `actor_crash` faults, with a checkpoint every 7 windows, and (every "
        f"{RAY_EVERY}th seed) on the Ray runtime.",
        "",
        "| figure | measured | target |",
        "|---|---:|---|",
        f"| seeds | {figures.seeds:,} | |",
        f"| invoices simulated | {figures.invoices:,} | |",
        f"| seeds violating an invariant or an oracle | {len(figures.failures)} | 0: {met} |",
        f"| wall time | {figures.wall_s:,.0f} s | |",
        "",
    ]
    if figures.failures:
        shown = ", ".join(map(str, figures.failures[:20]))
        lines += [f"Failing seeds: {shown}. The first: " + "; ".join(figures.first_failure), ""]
    return lines


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else SEEDS
    print("\n".join(render(measure(count))))

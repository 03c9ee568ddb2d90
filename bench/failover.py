"""The failover figures of every shipped fault scenario, beside public anchors.

Each scenario with a provider fault in ``scenarios/`` runs with its own seed
and the next ``seeds - 1`` seeds (local runtime, no persistence: the figures
are simulated seconds, which the machine's speed does not change). For each
fault: the median and the spread over the seeds of time_to_detect_s,
time_to_failover_s and time_to_failback_s, and the target of the engine issue
it is held to.

The anchors are the figures a reader compares with: public payment-gateway
failover harnesses take 91-97 s to leave a provider that stops answering; the
original system promised health answers under 200 ms, a wallet in under 2 s
and 100+ invoices per minute; a public orchestrator's routing engine serves 835
requests/s on a 2-core pod. The API anchors sit in the API section.
"""

from __future__ import annotations

import os
import statistics
import sys
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FAULT_SCENARIOS = ("tempo_outage", "tempo_silent", "tempo_flapping", "failover_cascade")
SEEDS = 3
FIGURES = ("time_to_detect_s", "time_to_failover_s", "time_to_failback_s")
SILENT_ANCHOR = "91-97 s (public gateway failover harnesses, silent provider)"


@dataclass(slots=True)
class Fault:
    """One fault of one scenario, its figures over the seeds (None: never happened)."""

    scenario: str
    provider: str
    kind: str
    health_interval_s: float
    figures: dict[str, list[float | None]] = field(default_factory=dict)
    failed_during_fault: list[int] = field(default_factory=list)
    double_pays: int = 0
    lost: int = 0


def _one_run(scenario_name: str, seed: int) -> dict[str, Any]:
    """A run in a worker process: the fields of its report the page needs."""
    from simulation.engine import RunOptions, run_scenario
    from simulation.scenario import load_scenario, with_overrides

    scenario = with_overrides(
        load_scenario(ROOT / "scenarios" / f"{scenario_name}.yaml"), {"seed": seed}
    )
    report = run_scenario(scenario, RunOptions(runtime="local", persist=False))
    return {
        "failover": report["failover"],
        "double_pays": report["double_pays"],
        "lost": report["lost"],
        "health_interval_s": float(scenario.routing.health_interval_s),
    }


def measure(quick: bool) -> list[Fault]:
    """Every fault of every shipped fault scenario over the seeds, two runs at a time."""
    from simulation.scenario import load_scenario

    seeds = 1 if quick else SEEDS
    jobs: list[tuple[str, int]] = []
    for name in FAULT_SCENARIOS:
        first = int(load_scenario(ROOT / "scenarios" / f"{name}.yaml").seed)
        jobs += [(name, first + i) for i in range(seeds)]
    workers = max(1, min(2, os.cpu_count() or 1))
    with ProcessPoolExecutor(max_workers=workers) as pool:
        reports = list(pool.map(_one_run, *zip(*jobs, strict=True)))
    print(f"bench: failover: {len(jobs)} runs of {len(FAULT_SCENARIOS)} scenarios", file=sys.stderr)
    return _faults(jobs, reports)


def _faults(jobs: list[tuple[str, int]], reports: list[dict[str, Any]]) -> list[Fault]:
    by_key: dict[tuple[str, int], Fault] = {}
    for (name, _seed), report in zip(jobs, reports, strict=True):
        for index, row in enumerate(report["failover"]):
            fault = by_key.setdefault(
                (name, index),
                Fault(name, row["provider"], row["kind"], report["health_interval_s"]),
            )
            for figure in FIGURES:
                fault.figures.setdefault(figure, []).append(row[figure])
            fault.failed_during_fault.append(int(row["failed_during_fault"]))
            fault.double_pays += int(report["double_pays"])
            fault.lost += int(report["lost"])
    return list(by_key.values())


def target(fault: Fault, figure: str) -> tuple[str, float | None]:
    """The engine issue's target for this figure of this fault, as text and limit."""
    if figure == "time_to_failback_s":
        limit = fault.health_interval_s + 1.0
        return f"≤ {limit:g} s (health interval + 1 s)", limit
    if fault.kind == "outage" and fault.scenario == "tempo_outage":
        return "≤ 1 s", 1.0
    if fault.kind == "silent" and figure == "time_to_failover_s":
        return "≤ 3 s (2 s request timeout)", 3.0
    return "", None


def _cell(values: list[float | None]) -> str:
    seen = [v for v in values if v is not None]
    if not seen:
        return "never"
    text = f"{statistics.median(seen):.2f} s"
    if len(seen) > 1:
        text += f" ({min(seen):.2f} to {max(seen):.2f})"
    if len(seen) < len(values):
        text += f", never in {len(values) - len(seen)} of {len(values)}"
    return text


def _verdict(values: list[float | None], limit: float | None) -> str:
    if limit is None:
        return ""
    seen = [v for v in values if v is not None]
    if len(seen) < len(values):
        return "missed"
    return "met" if max(seen) <= limit else "missed"


def render(faults: list[Fault]) -> list[str]:
    """The section of BENCHMARKS.md: one row per fault and figure, then the anchors."""
    runs = len(faults[0].failed_during_fault) if faults else 0
    lines = [
        "## Failover figures of the shipped fault scenarios",
        "",
        f"Simulated seconds, median (min to max) over {runs} seed(s) per scenario (its own",
        "seed and the next ones), local runtime. Every target is checked against the worst",
        "seed, not the median.",
        "",
        "| scenario | fault | figure | median (min to max) | target | worst seed |",
        "|---|---|---|---|---|---|",
    ]
    for fault in faults:
        for figure in FIGURES:
            text, limit = target(fault, figure)
            values = fault.figures[figure]
            lines.append(
                f"| `{fault.scenario}` | {fault.provider} {fault.kind} | {figure} "
                f"| {_cell(values)} | {text} | {_verdict(values, limit)} |"
            )
    per_scenario = {f.scenario: (f.double_pays, f.lost) for f in faults}
    pays = sum(p for p, _ in per_scenario.values())
    lost = sum(n for _, n in per_scenario.values())
    silent = [f for f in faults if f.kind == "silent"]
    lines += ["", f"Double pays over these runs: {pays}; lost: {lost}.", ""]
    if silent:
        values = [v for f in silent for v in f.figures["time_to_failover_s"]]
        seen = [v for v in values if v is not None]
        ours = f"{max(seen):.2f} s worst seed" if len(seen) == len(values) else "never, once"
        lines += [
            "| anchor | theirs | ours |",
            "|---|---|---|",
            f"| failover from a silent provider | {SILENT_ANCHOR} | {ours} (`tempo_silent`) |",
            "",
        ]
    return lines

"""The failover figures of every shipped fault scenario, beside public anchors.

Each scenario with a provider fault in ``scenarios/`` runs with its own seed
and the next ``seeds - 1`` seeds (local runtime, no persistence: the figures
are simulated seconds, which the machine's speed does not change). For each
fault: the median and the spread over the seeds of time_to_detect_s,
time_to_failover_s and time_to_failback_s, and the target of the engine issue
it is held to.

time_to_failback_s runs from the fault's end to the first success on the
recovered provider. A fallback's fault can end while the primary is back and
takes the traffic again; the fallback is then sent nothing, and has no failback
to time. To tell that from a real miss, each run also counts the payments routed
to the faulted provider after its fault ended (``routed_after_fault_end``,
counted from the routing decisions outside the engine, as ``bench.timing``
times windows). A seed where a provider that is not the primary has no failback
and was sent nothing after its fault is "no traffic after the fault": left out
of the median and of the target. A provider sent payments after its fault and
none succeeded, or the primary without a failback, still reads "never" and
misses its target.

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
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FAULT_SCENARIOS = ("tempo_outage", "tempo_silent", "tempo_flapping", "failover_cascade")
SEEDS = 3
FIGURES = ("time_to_detect_s", "time_to_failover_s", "time_to_failback_s")
SILENT_ANCHOR = "91-97 s (public gateway failover harnesses, silent provider)"
NO_TRAFFIC = "no traffic after the fault (not the primary)"


@dataclass(slots=True)
class Fault:
    """One fault of one scenario, its figures over the seeds (None: never happened)."""

    scenario: str
    provider: str
    kind: str
    health_interval_s: float
    primary: bool = True  # the first provider by priority; its traffic always comes back
    figures: dict[str, list[float | None]] = field(default_factory=dict)
    routed_after_end: list[int] = field(default_factory=list)  # per seed
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
    with routed_after_fault_end() as routed:
        report = run_scenario(scenario, RunOptions(runtime="local", persist=False))
    enabled = [c for c in scenario.provider_configs() if c.enabled]
    return {
        "failover": report["failover"],
        "double_pays": report["double_pays"],
        "lost": report["lost"],
        "health_interval_s": float(scenario.routing.health_interval_s),
        "primary": min(enabled, key=lambda c: c.priority).name,
        "routed_after_end": [
            routed[(row["provider"], float(row["fault_end_s"]))] for row in report["failover"]
        ],
    }


@contextmanager
def routed_after_fault_end() -> Iterator[Counter[tuple[str, float]]]:
    """Payments routed to a faulted provider at or after its fault's end, by (provider, end).

    Counted from the routing decisions every replica's failover tracker is handed each
    window, by wrapping the tracker in this process (local runtime) for the block.
    """
    from simulation.processes.failover import FailoverTracker

    counts: Counter[tuple[str, float]] = Counter()
    original = FailoverTracker.on_window

    def on_window(self: FailoverTracker, transitions: Any, changes: Any, decisions: Any) -> None:
        for track in self.tracks:
            counts[(track.provider, float(track.end))] += sum(
                1 for d in decisions if d.chosen == track.provider and d.at >= track.end
            )
        original(self, transitions, changes, decisions)

    FailoverTracker.on_window = on_window  # type: ignore[method-assign]
    try:
        yield counts
    finally:
        FailoverTracker.on_window = original  # type: ignore[method-assign]


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
                Fault(
                    name, row["provider"], row["kind"], report["health_interval_s"],
                    primary=row["provider"] == report["primary"],
                ),
            )  # fmt: skip
            for figure in FIGURES:
                fault.figures.setdefault(figure, []).append(row[figure])
            fault.routed_after_end.append(int(report["routed_after_end"][index]))
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


def no_traffic(fault: Fault, figure: str) -> list[bool]:
    """Per seed: the figure does not apply, as the provider was sent nothing to fail back.

    Only time_to_failback_s of a provider that is not the primary, in a seed with no
    failback and no payment routed to it after its fault ended. A seed where it was sent
    payments and none succeeded is a real miss, and so is the primary without a failback.
    """
    values = fault.figures[figure]
    if figure != "time_to_failback_s" or fault.primary:
        return [False] * len(values)
    return [
        value is None and routed == 0
        for value, routed in zip(values, fault.routed_after_end, strict=True)
    ]


def _cell(values: list[float | None], skipped: list[bool] | None = None) -> str:
    skipped = skipped or [False] * len(values)
    counted = [v for v, skip in zip(values, skipped, strict=True) if not skip]
    seen = [v for v in counted if v is not None]
    out = sum(skipped)
    if not counted:
        return f"{NO_TRAFFIC} in {out} of {len(values)}"
    if not seen:
        text = "never"
    else:
        text = f"{statistics.median(seen):.2f} s"
        if len(seen) > 1:
            text += f" ({min(seen):.2f} to {max(seen):.2f})"
    if len(seen) < len(counted):
        text += f", never in {len(counted) - len(seen)} of {len(values)}"
    if out:
        text += f"; {NO_TRAFFIC} in {out} of {len(values)}"
    return text


def _verdict(
    values: list[float | None], limit: float | None, skipped: list[bool] | None = None
) -> str:
    if limit is None:
        return ""
    skipped = skipped or [False] * len(values)
    counted = [v for v, skip in zip(values, skipped, strict=True) if not skip]
    if not counted:
        return "does not apply"
    seen = [v for v in counted if v is not None]
    if len(seen) < len(counted):
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
    any_skipped = False
    for fault in faults:
        for figure in FIGURES:
            text, limit = target(fault, figure)
            values, skipped = fault.figures[figure], no_traffic(fault, figure)
            any_skipped = any_skipped or any(skipped)
            lines.append(
                f"| `{fault.scenario}` | {fault.provider} {fault.kind} | {figure} "
                f"| {_cell(values, skipped)} | {text} | {_verdict(values, limit, skipped)} |"
            )
    if any_skipped:
        lines += ["", *NO_TRAFFIC_NOTE]
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


NO_TRAFFIC_NOTE = [
    "time_to_failback_s runs from the fault's end to the first success on the recovered",
    f'provider. "{NO_TRAFFIC}": in that seed the provider is a fallback,',
    "and once its fault ended not one payment was routed to it, because the primary was",
    "back and took the traffic; there was nothing to fail back, so the failback target",
    "does not apply to that seed and it is left out of the median and of the verdict.",
    'A provider that was sent payments after its fault and had no success reads "never"',
    "and misses.",
]

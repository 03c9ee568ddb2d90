"""Simulation against reality (#23): ``tempo_outage`` and ``tempo_silent`` at 100
invoices/s, simulated and exercised over real HTTP (emulators, the reference
orchestrator, the driver), figure by figure (``exercise.agreement``).

The scenarios run their first ``DURATION_S`` (the fault at 121.3 s for 120 s, as
shipped, and a minute after it) at 1 times the wall clock: an exercise takes real
time. ``--quick`` runs a minute of each with the fault at 20 s for 20 s at twice the
wall clock. Each exercise also tells how many of its requests went out late (more
than 50 ms after their time): the machine did not keep up.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from exercise.agreement import agreement
from exercise.session import ExerciseOptions, run_exercise
from simulation.engine import RunOptions, run_scenario
from simulation.scenario import Scenario, load_scenario, with_overrides

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ("tempo_outage", "tempo_silent")
DURATION_S = 300.0
SPEED = 1.0
QUICK = {"duration_s": 60.0, "fault_start_s": 20.0, "fault_s": 20.0, "speed": 2.0}


@dataclass(frozen=True, slots=True)
class Comparison:
    scenario: str
    speed: float
    rows: list[dict[str, Any]]
    invoices: int
    late: int
    wall_s: float

    @property
    def agrees(self) -> bool:
        return all(row["agrees"] for row in self.rows)


def trimmed(name: str, quick: bool) -> tuple[Scenario, float]:
    scenario = load_scenario(ROOT / "scenarios" / f"{name}.yaml")
    if not quick:
        overrides: dict[str, Any] = {"duration_s": DURATION_S, "load.0.duration_s": DURATION_S}
        return with_overrides(scenario, overrides), SPEED
    duration = QUICK["duration_s"]
    overrides = {
        "duration_s": duration,
        "load.0.duration_s": duration,
        "faults.0.start_s": QUICK["fault_start_s"],
        "faults.0.duration_s": QUICK["fault_s"],
    }
    return with_overrides(scenario, overrides), QUICK["speed"]


def compare(scenario: Scenario, speed: float) -> Comparison:
    simulated = run_scenario(scenario, RunOptions(shards=1))
    started = time.perf_counter()
    exercised = run_exercise(scenario, ExerciseOptions(speed=speed))
    return Comparison(
        scenario=scenario.name,
        speed=speed,
        rows=agreement(simulated, exercised),
        invoices=exercised["invoices"]["created"],
        late=exercised["requests_late"],
        wall_s=time.perf_counter() - started,
    )


def measure(quick: bool) -> list[Comparison]:
    out = []
    for name in SCENARIOS:
        scenario, speed = trimmed(name, quick)
        print(f"bench: {name} simulated and exercised at {speed:g}x", file=sys.stderr)
        out.append(compare(scenario, speed))
    return out


def render(comparisons: list[Comparison]) -> list[str]:
    if not comparisons:
        return []
    lines = [
        "## Simulation against reality",
        "",
        "Each scenario simulated (local runtime, 1 shard) and exercised over real HTTP "
        "(`invoicesim exercise`: the emulators, the reference orchestrator and the driver, "
        "each a process of its own) on this machine (`bench/sim_vs_real.py`). The target "
        "(#23): time to detect and to fail over within 0.5 s or 25 %, success rate within "
        "1 percentage point, no double charge in either.",
        "",
    ]
    for c in comparisons:
        verdict = "agree" if c.agrees else "DO NOT agree"
        lines += [
            f"**{c.scenario}** at {c.speed:g}x the wall clock: {c.invoices:,} invoices in "
            f"{c.wall_s:.0f} s of wall time, {c.late:,} requests sent late; the two {verdict}.",
            "",
            "| figure | simulated | exercised | allowed difference | agrees |",
            "|---|---:|---:|---:|---|",
        ]
        for row in c.rows:
            lines.append(
                f"| {row['figure']} | {_value(row['simulated'])} | {_value(row['exercised'])} "
                f"| {_value(row['allowed'])} | {'yes' if row['agrees'] else 'NO'} |"
            )
        lines.append("")
    return lines


def _value(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:,.3f}" if isinstance(value, float) else f"{value:,}"


if __name__ == "__main__":
    print("\n".join(render(measure("--quick" in sys.argv))))

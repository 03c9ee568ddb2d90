"""Simulation against reality (#23): ``tempo_outage`` and ``tempo_silent`` at 100
invoices/s, simulated and exercised over real HTTP (emulators, the reference
orchestrator, the driver), figure by figure (``exercise.agreement``).

The scenarios run their first ``DURATION_S`` (the fault at 121.3 s for 120 s, as
shipped, and a minute after it) at 1 times the wall clock: an exercise takes real
time. ``--quick`` runs a minute of each with the fault at 20 s for 20 s at twice the
wall clock. Each exercise also tells how many of its requests went out late (more
than 50 ms after their time): the machine did not keep up.

Then the end-to-end target (``end_to_end``): ``tempo_outage`` at 200 invoices/s for
``E2E_DURATION_S`` (the fault a third of the way in, for a third), exercised at 1x and
recorded in PostgreSQL as ``invoicesim exercise`` records by default (a scratch
database). It is sustained when at most ``E2E_LATE_SHARE`` of the requests go out late
and every invoice a payer paid ended paid, with no double charge and nothing lost.
"""

from __future__ import annotations

import sys
import tempfile
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
E2E_RATE = 200.0  # invoices/s: the target (#23)
E2E_DURATION_S = 180.0
E2E_QUICK_S = 45.0
E2E_LATE_SHARE = 0.01


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


@dataclass(frozen=True, slots=True)
class EndToEnd:
    duration_s: float
    report: dict[str, Any]

    @property
    def requests(self) -> int:
        return sum(int(p["attempts"]) for p in self.report["providers"].values())

    @property
    def late_share(self) -> float:
        invoices = self.report["invoices"]
        # Every invoice is created; each one paid, failed or open was paid for too.
        sent = int(invoices["created"] + invoices["paid"] + invoices["failed"] + invoices["open"])
        return float(self.report["requests_late"]) / max(1, sent)

    @property
    def sustained(self) -> bool:
        r = self.report
        return (
            self.late_share <= E2E_LATE_SHARE
            and r["invoices"]["failed"] == r["invoices"]["open"] == 0
            and r["double_pays"] == r["lost"] == 0
        )


def end_to_end(quick: bool) -> EndToEnd:
    """tempo_outage at ``E2E_RATE`` invoices/s, exercised and recorded (a scratch database
    of ``DATABASE_URL``'s server, or of an embedded one in a temporary folder)."""
    from storage.database import DatabaseSettings, open_database, scratch_database, upgrade

    duration = E2E_QUICK_S if quick else E2E_DURATION_S
    scenario = with_overrides(
        load_scenario(ROOT / "scenarios" / "tempo_outage.yaml"),
        {
            "duration_s": duration,
            "load.0.duration_s": duration,
            "load.0.rate_per_s": E2E_RATE,
            "faults.0.start_s": round(duration / 3, 1),
            "faults.0.duration_s": round(duration / 3, 1),
        },
    )
    print(f"bench: tempo_outage exercised at {E2E_RATE:g} invoices/s", file=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="isim-e2e-") as folder:
        base = DatabaseSettings.from_env()
        if base.database_url is None:
            base = DatabaseSettings(database_url=None, data_dir=Path(folder))
        server = open_database(base)
        try:
            with scratch_database(server, "invoicesim_e2e") as db:
                upgrade(db)
                report = run_exercise(scenario, ExerciseOptions(speed=1.0), db=db)
        finally:
            server.stop_embedded_server()
    return EndToEnd(duration, report)


def render_end_to_end(e2e: EndToEnd) -> list[str]:
    r, invoices = e2e.report, e2e.report["invoices"]
    latency = r.get("latency_ms") or {}
    verdict = "met" if e2e.sustained else "NOT met"
    return [
        f"**End to end at {E2E_RATE:g} invoices/s** (#23: emulators, reference orchestrator "
        f"and driver on this machine's 2 cores, recorded in PostgreSQL): `tempo_outage` for "
        f"{e2e.duration_s:g} s at 1x, Tempo down for the middle third. Target {verdict}.",
        "",
        "| figure | value |",
        "|---|---:|",
        f"| invoices created | {invoices['created']:,} |",
        f"| paid / failed / never paid by their payer | {invoices['paid']:,} / "
        f"{invoices['failed']:,} / {invoices['unpaid']:,} |",
        f"| create and pay requests sent more than 50 ms late | {r['requests_late']:,} "
        f"({e2e.late_share:.2%}; at most {E2E_LATE_SHARE:.0%} to sustain) |",
        f"| charge attempts the providers saw | {e2e.requests:,} |",
        f"| double charges / lost | {r['double_pays']:,} / {r['lost']:,} |",
        f"| payment latency p50 / p99 (ms) | {_value(latency.get('p50'))} / "
        f"{_value(latency.get('p99'))} |",
        "",
    ]


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
    quick = "--quick" in sys.argv
    if "--end-to-end" in sys.argv:
        print("\n".join(render_end_to_end(end_to_end(quick))))
    else:
        print("\n".join(render(measure(quick)) + render_end_to_end(end_to_end(quick))))

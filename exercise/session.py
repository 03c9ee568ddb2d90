"""One exercise (``invoicesim exercise``): emulators, an orchestrator, the load, the report.

``run_exercise`` starts the scenario's emulators (in a process of their own), then
the reference orchestrator in front of them unless ``target`` names an orchestrator
of one's own (which must reach the emulators itself: their addresses are handed to
``on_ready``), drives
the scenario's load at it on the emulators' clock, stops everything, and builds the
report from what the emulators recorded (``exercise.figures``).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from exercise.drive.driver import Progress, drive
from exercise.emulators import EmulateOptions
from exercise.emulators.process import start_in_process
from exercise.figures import ExerciseFacts, exercise_report
from exercise.orchestrator.process import OrchestratorProcess
from exercise.orchestrator.process import start_in_process as start_orchestrator
from exercise.orchestrator.server import OrchestratorOptions
from simulation.scenario import Scenario


@dataclass(frozen=True, slots=True, kw_only=True)
class ExerciseOptions:
    speed: float
    target: str | None = None  # None: the reference orchestrator, started here
    host: str = "127.0.0.1"  # where the emulators listen
    base_port: int = 0  # the emulators' first port (0: any free ones)


def run_exercise(
    scenario: Scenario,
    options: ExerciseOptions,
    progress: Progress | None = None,
    on_ready: Callable[[dict[str, str], str], None] | None = None,
) -> dict[str, Any]:
    """The exercise's report; ``on_ready`` hears the emulators' and the target's addresses."""
    started, wall_start = time.time(), time.perf_counter()
    emulate = EmulateOptions(speed=options.speed, host=options.host, base_port=options.base_port)
    emulators = start_in_process(scenario, emulate)  # a core of their own
    service: OrchestratorProcess | None = None
    records = None
    try:
        urls = {e.provider: e.url for e in emulators.endpoints}
        target = options.target
        if target is None:
            settings = OrchestratorOptions(
                providers=urls, speed=options.speed, clock=emulators.clock
            )
            service = start_orchestrator(scenario, settings)  # a process of its own too
            target = service.url
        if on_ready is not None:
            on_ready(urls, target)
        result = asyncio.run(drive(scenario, target, emulators.clock, progress))
    finally:
        if service is not None:
            service.stop()
        records = emulators.stop()  # the last charges that took effect are collected
    facts = ExerciseFacts(
        target=target,
        reference=options.target is None,
        speed=options.speed,
        started=started,
        wall_s=time.perf_counter() - wall_start,
    )
    report = exercise_report(scenario, result, records.requests, records.charges, facts)
    report["invariants"].append(
        {
            "name": "every_request_recorded",
            "held": records.lost == 0,
            "detail": f"{records.lost} emulator rows past the memory bound, not counted",
        }
    )
    return report

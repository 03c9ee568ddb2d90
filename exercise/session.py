"""One exercise (``invoicesim exercise``): emulators, an orchestrator, the load, the report.

``run_exercise`` starts the scenario's emulators (in a process of their own), then
the reference orchestrator in front of them unless ``target`` names an orchestrator
of one's own (which must reach the emulators itself: their addresses are handed to
``on_ready``), drives
the scenario's load at it on the emulators' clock, stops everything, and builds the
report from what the emulators recorded (``exercise.figures``). Given a database, the
exercise is a run there (runtime ``exercise``): the emulators write every request and
charge to its tables, the report is computed from the rows read back, and the run ends
with the report and its verdict, as a simulated run does.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from exercise.drive.driver import Progress, drive
from exercise.emulators import EmulateOptions
from exercise.emulators.process import Recording, start_in_process
from exercise.emulators.records import emulator_run
from exercise.figures import ExerciseFacts, exercise_report
from exercise.orchestrator.process import OrchestratorProcess
from exercise.orchestrator.process import start_in_process as start_orchestrator
from exercise.orchestrator.server import OrchestratorOptions
from simulation.report.verdict import failures
from simulation.scenario import Scenario
from storage.database import Database, DatabaseError
from storage.runs import finish_run, start_run

# Wall seconds from the emulators' start to simulated 0: the reference orchestrator's
# process starts in about 1.5 s here; the load's first invoices then go out on time
# (a late start is still counted in ``requests_late``).
LEAD_S = 3.0


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
    db: Database | None = None,
) -> dict[str, Any]:
    """The exercise's report; ``on_ready`` hears the emulators' and the target's addresses.
    With ``db``, the exercise is recorded there as a run (the report says its id)."""
    emulate = EmulateOptions(
        speed=options.speed, host=options.host, base_port=options.base_port, lead_s=LEAD_S
    )
    recording = None
    if db is not None:
        settings = {
            "speed": options.speed,
            "orchestrator": "reference" if options.target is None else "under test",
        }
        recording = Recording(db, start_run(db, emulator_run(scenario, "exercise", settings)))
    try:
        report = _exercise(scenario, options, emulate, recording, progress, on_ready)
    except BaseException:
        if recording is not None:
            # The database may be what failed: the error that stopped the exercise is raised.
            with contextlib.suppress(DatabaseError, SQLAlchemyError):
                finish_run(recording.db, recording.run_id, None, "error")
        raise
    if recording is not None:
        report["run_id"] = recording.run_id
        status = "failed" if failures(report) else "passed"
        finish_run(recording.db, recording.run_id, report, status)
    return report


def _exercise(
    scenario: Scenario,
    options: ExerciseOptions,
    emulate: EmulateOptions,
    recording: Recording | None,
    progress: Progress | None,
    on_ready: Callable[[dict[str, str], str], None] | None,
) -> dict[str, Any]:
    started = time.time()
    emulators = start_in_process(scenario, emulate, recording)  # a core of their own
    service: OrchestratorProcess | None = None
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
        wall_s=time.monotonic() - emulators.clock.started,  # from simulated 0: no lead
    )
    report = exercise_report(scenario, result, records.requests, records.charges, facts)
    report["invariants"].append(
        {
            "name": "every_request_recorded",
            "held": records.lost == 0,
            "detail": f"{records.lost} emulator rows not recorded"
            + (" (the database fell behind or was lost)" if recording else " (past the bound)"),
        }
    )
    return report

"""The emulators in a process of their own (``start_in_process``), for an exercise.

An exercise runs three servers' worth of HTTP: the emulators, the orchestrator and
the driver. In one process they take turns on one interpreter lock; measured on
2 cores, one process served 100 invoices/s of ``tempo_silent`` at half the wall
clock's pace. The emulators therefore serve from a child process
(``exercise.child``), on the same paced clock: ``time.monotonic`` is the machine's,
so the child's clock is handed back as it started. When the exercise is recorded
(``Recording``), the child writes every request and charge to the run's tables as
``invoicesim emulate`` does, and they are read back from there when it stops;
otherwise its rows come back over the pipe.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from exercise.child import Child, serve_child
from exercise.emulators.clock import PacedClock
from exercise.emulators.records import DatabaseRecords, MemoryRecords, Row, read_records
from exercise.emulators.server import EmulateOptions, Emulators, Endpoint, start_in_thread
from simulation.scenario import Scenario
from storage.database import Database, DatabaseAddress


@dataclass(frozen=True, slots=True)
class Recording:
    """The run the emulators' rows are written to."""

    db: Database
    run_id: str


@dataclass(frozen=True, slots=True)
class EmulatorRecords:
    requests: list[Row]
    charges: list[Row]
    lost: int  # rows past the buffer's bound, or not written


class EmulatorProcess:
    """Emulators serving in a child process; ``stop`` hands back what they recorded."""

    def __init__(
        self, scenario: Scenario, options: EmulateOptions, recording: Recording | None = None
    ) -> None:
        to = None if recording is None else (recording.db.address(), recording.run_id)
        self._recording = recording
        self._child = Child(_serve, (scenario, options, to), "emulators")
        self.endpoints: list[Endpoint] = self._child.started[0]
        self.clock: PacedClock = self._child.started[1]

    def url(self, provider: str) -> str:
        return next(e.url for e in self.endpoints if e.provider == provider)

    def stop(self) -> EmulatorRecords:
        records: EmulatorRecords = self._child.stop()
        if self._recording is None:
            return records
        requests, charges = read_records(self._recording.db, self._recording.run_id)
        return EmulatorRecords(requests, charges, records.lost)


def start_in_process(
    scenario: Scenario, options: EmulateOptions, recording: Recording | None = None
) -> EmulatorProcess:
    return EmulatorProcess(scenario, options, recording)


def _serve(
    conn: Connection,
    scenario: Scenario,
    options: EmulateOptions,
    to: tuple[DatabaseAddress, str] | None,
) -> None:
    def start() -> tuple[Any, Callable[[], EmulatorRecords]]:
        if to is None:
            memory = MemoryRecords()
            running = start_in_thread(Emulators(scenario, options, memory))

            def stop() -> EmulatorRecords:
                running.stop()
                return EmulatorRecords(memory.requests, memory.charge_rows, memory.lost)

            return (running.endpoints, running.clock), stop
        address, run_id = to
        db = address.open()
        written = DatabaseRecords().start(db, run_id)
        try:
            running = start_in_thread(Emulators(scenario, options, written))
        except BaseException:
            written.close()  # its thread would keep the process alive
            raise

        def stop_writing() -> EmulatorRecords:
            running.stop()
            written.close()
            db.dispose()
            return EmulatorRecords([], [], written.lost)

        return (running.endpoints, running.clock), stop_writing

    serve_child(conn, start)

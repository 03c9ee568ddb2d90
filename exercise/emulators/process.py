"""The emulators in a process of their own (``start_in_process``), for an exercise.

An exercise runs three servers' worth of HTTP: the emulators, the orchestrator and
the driver. In one process they take turns on one interpreter lock; measured on
2 cores, one process served 100 invoices/s of ``tempo_silent`` at half the wall
clock's pace. The emulators therefore serve from a child process
(``exercise.child``), on the same paced clock: ``time.monotonic`` is the machine's,
so the child's clock is handed back as it started. Their records come back when
they stop.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from exercise.child import Child, serve_child
from exercise.emulators.clock import PacedClock
from exercise.emulators.records import MemoryRecords, Row
from exercise.emulators.server import EmulateOptions, Emulators, Endpoint, start_in_thread
from simulation.scenario import Scenario


@dataclass(frozen=True, slots=True)
class EmulatorRecords:
    requests: list[Row]
    charges: list[Row]
    lost: int  # rows past the memory bound


class EmulatorProcess:
    """Emulators serving in a child process; ``stop`` hands back what they recorded."""

    def __init__(self, scenario: Scenario, options: EmulateOptions) -> None:
        self._child = Child(_serve, (scenario, options), "emulators")
        self.endpoints: list[Endpoint] = self._child.started[0]
        self.clock: PacedClock = self._child.started[1]

    def url(self, provider: str) -> str:
        return next(e.url for e in self.endpoints if e.provider == provider)

    def stop(self) -> EmulatorRecords:
        records: EmulatorRecords = self._child.stop()
        return records


def start_in_process(scenario: Scenario, options: EmulateOptions) -> EmulatorProcess:
    return EmulatorProcess(scenario, options)


def _serve(conn: Connection, scenario: Scenario, options: EmulateOptions) -> None:
    def start() -> tuple[Any, Callable[[], EmulatorRecords]]:
        records = MemoryRecords()
        running = start_in_thread(Emulators(scenario, options, records))

        def stop() -> EmulatorRecords:
            running.stop()
            return EmulatorRecords(records.requests, records.charge_rows, records.lost)

        return (running.endpoints, running.clock), stop

    serve_child(conn, start)

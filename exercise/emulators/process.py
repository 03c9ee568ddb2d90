"""The emulators in a process of their own (``start_in_process``), for an exercise.

An exercise runs three servers' worth of HTTP: the emulators, the orchestrator and
the driver. In one process they take turns on one interpreter lock; measured on
2 cores, one process served 100 invoices/s of ``tempo_silent`` at half the wall
clock's pace. The emulators therefore serve from a child process (``spawn``), on
the same paced clock: ``time.monotonic`` is the machine's, so the child's clock is
handed back as it started. Their records come back when they stop.
"""

from __future__ import annotations

import contextlib
import multiprocessing
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from actors.errors import InvoicesimError
from exercise.emulators.clock import PacedClock
from exercise.emulators.records import MemoryRecords, Row
from exercise.emulators.server import EmulateOptions, Emulators, Endpoint, start_in_thread
from simulation.scenario import Scenario

START_S = 60.0  # a spawned interpreter imports FastAPI, uvicorn and the simulation first
STOP_S = 60.0


@dataclass(frozen=True, slots=True)
class EmulatorRecords:
    requests: list[Row]
    charges: list[Row]
    lost: int  # rows past the memory bound


class EmulatorProcess:
    """Emulators serving in a child process; ``stop`` hands back what they recorded."""

    def __init__(self, scenario: Scenario, options: EmulateOptions) -> None:
        context = multiprocessing.get_context("spawn")
        self._conn, theirs = context.Pipe()
        self._process = context.Process(
            target=_serve, args=(theirs, scenario, options), name="invoicesim-emulators"
        )
        self._process.start()
        theirs.close()
        if not self._conn.poll(START_S):
            self._process.kill()
            raise InvoicesimError(f"the emulators did not start within {START_S:g} s")
        kind, value = self._conn.recv()
        if kind != "started":
            self._process.join(STOP_S)
            raise InvoicesimError(f"the emulators did not start: {value}")
        self.endpoints: list[Endpoint] = value[0]
        self.clock: PacedClock = value[1]

    def url(self, provider: str) -> str:
        return next(e.url for e in self.endpoints if e.provider == provider)

    def stop(self) -> EmulatorRecords:
        try:
            self._conn.send("stop")
            if not self._conn.poll(STOP_S):
                raise InvoicesimError(f"the emulators did not stop within {STOP_S:g} s")
            records: EmulatorRecords = self._conn.recv()
            return records
        finally:
            self._conn.close()
            self._process.join(STOP_S)
            if self._process.is_alive():
                self._process.kill()


def start_in_process(scenario: Scenario, options: EmulateOptions) -> EmulatorProcess:
    return EmulatorProcess(scenario, options)


def _serve(conn: Connection, scenario: Scenario, options: EmulateOptions) -> None:
    records = MemoryRecords()
    try:
        running = start_in_thread(Emulators(scenario, options, records))
    except Exception as error:
        conn.send(("failed", str(error)))
        return
    conn.send(("started", (running.endpoints, running.clock)))
    message: Any = None
    with contextlib.suppress(EOFError, OSError):  # EOF: the parent is gone
        message = conn.recv()  # "stop"
    running.stop()
    if message == "stop":
        conn.send(EmulatorRecords(records.requests, records.charge_rows, records.lost))

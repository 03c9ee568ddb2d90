"""The reference orchestrator in a process of its own (``start_in_process``), for an
exercise: beside the emulators' process and the driver, so the three share the
machine's cores instead of one interpreter lock. Its paced clock is handed to it
(``time.monotonic`` is the machine's), so it counts the scenario's seconds as the
emulators do."""

from __future__ import annotations

import contextlib
import multiprocessing
from multiprocessing.connection import Connection

from actors.errors import InvoicesimError
from exercise.orchestrator.server import Orchestrator, OrchestratorOptions, start_in_thread
from simulation.scenario import Scenario

START_S = 60.0
STOP_S = 30.0


class OrchestratorProcess:
    def __init__(self, scenario: Scenario, options: OrchestratorOptions) -> None:
        context = multiprocessing.get_context("spawn")
        self._conn, theirs = context.Pipe()
        self._process = context.Process(
            target=_serve, args=(theirs, scenario, options), name="invoicesim-orchestrator"
        )
        self._process.start()
        theirs.close()
        if not self._conn.poll(START_S):
            self._process.kill()
            raise InvoicesimError(f"the orchestrator did not start within {START_S:g} s")
        kind, value = self._conn.recv()
        if kind != "started":
            self._process.join(STOP_S)
            raise InvoicesimError(f"the orchestrator did not start: {value}")
        self.url: str = value

    def stop(self) -> None:
        try:
            with contextlib.suppress(OSError):
                self._conn.send("stop")
            self._conn.poll(STOP_S)
        finally:
            self._conn.close()
            self._process.join(STOP_S)
            if self._process.is_alive():
                self._process.kill()


def start_in_process(scenario: Scenario, options: OrchestratorOptions) -> OrchestratorProcess:
    return OrchestratorProcess(scenario, options)


def _serve(conn: Connection, scenario: Scenario, options: OrchestratorOptions) -> None:
    try:
        running = start_in_thread(Orchestrator(scenario, options))
    except Exception as error:
        conn.send(("failed", str(error)))
        return
    conn.send(("started", running.url))
    with contextlib.suppress(EOFError, OSError):  # EOF: the parent is gone
        conn.recv()
    running.stop()
    with contextlib.suppress(OSError):
        conn.send("stopped")

"""The reference orchestrator in a process of its own (``start_in_process``), for an
exercise: beside the emulators' process and the driver, so the three share the
machine's cores instead of one interpreter lock (``exercise.child``). Its paced clock
is handed to it (``time.monotonic`` is the machine's), so it counts the scenario's
seconds as the emulators do."""

from __future__ import annotations

from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

from exercise.child import Child, serve_child
from exercise.orchestrator.server import Orchestrator, OrchestratorOptions, start_in_thread
from simulation.scenario import Scenario


class OrchestratorProcess:
    def __init__(self, scenario: Scenario, options: OrchestratorOptions) -> None:
        self._child = Child(_serve, (scenario, options), "reference orchestrator")
        self.url: str = self._child.started

    def stop(self) -> None:
        self._child.stop()


def start_in_process(scenario: Scenario, options: OrchestratorOptions) -> OrchestratorProcess:
    return OrchestratorProcess(scenario, options)


def _serve(conn: Connection, scenario: Scenario, options: OrchestratorOptions) -> None:
    def start() -> tuple[Any, Callable[[], None]]:
        running = start_in_thread(Orchestrator(scenario, options))
        return running.url, running.stop

    serve_child(conn, start)

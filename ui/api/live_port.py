"""The port to the running simulation: what the API needs of ``simulation.live.service.LiveEngine``.

The API is written against these protocols, so it runs with the real engine
(``invoicesim serve``) or with the fake in ``tests/api/fake_engine.py``.
``submit`` hands a command (``simulation.commands``) to the engine, which
applies it at the next window and returns the result dataclass, or raises an
``InvoicesimError`` (``InputError``, ``NotFoundError``, ``ConflictError``,
``UnavailableError``) that the API turns into a problem response.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from simulation.commands import Command
from simulation.scenario import Scenario
from storage.queries import ProviderRows


class EngineStatus(Protocol):
    """A snapshot of the engine; ``started_at`` is the wall time (UTC) of simulated t=0."""

    @property
    def running(self) -> bool: ...
    @property
    def run_id(self) -> str | None: ...
    @property
    def scenario(self) -> str | None: ...
    @property
    def sim_now_s(self) -> float: ...
    @property
    def speed(self) -> float: ...
    @property
    def started_at(self) -> datetime | None: ...
    @property
    def drift_s(self) -> float: ...
    @property
    def windows(self) -> int: ...


class Engine(Protocol):
    def start(self, scenario: Scenario) -> str:
        """Stop any current run, start ``scenario``; the new run's id."""
        ...

    def stop(self) -> str | None:
        """Stop the current run cleanly (last window flushed); its id, or None."""
        ...

    def submit(self, command: Command, timeout_s: float = 10.0) -> Any:
        """Apply ``command`` at the next window; its result, or an ``InvoicesimError``."""
        ...

    def status(self) -> EngineStatus: ...

    def providers_in_memory(self) -> ProviderRows | None:
        """The running scenario's recent provider rows, held by the engine (None: no run):
        what the public provider routes answer from while the database is away."""
        ...

    def wall_time(self, sim_s: float) -> datetime:
        """The wall time (aware UTC) of a simulated time of the current run."""
        ...

    def close(self) -> None: ...

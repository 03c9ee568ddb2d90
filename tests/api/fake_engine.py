"""A fake of the live engine port (``ui.api.live_port.Engine``): records every command and
answers with a plausible result, or with what a test scripted for that command type."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from simulation.commands import (
    BulkSubmitted,
    ClearFault,
    Command,
    ConfigureProvider,
    CreateInvoice,
    FaultCleared,
    FaultStarted,
    InvoiceCreated,
    PayInvoice,
    PaymentStarted,
    ProviderConfigured,
    Reconcile,
    Reconciled,
    StartFault,
    SubmitBulk,
)
from simulation.scenario import Scenario
from storage.queries import ProviderMemory, ProviderRows

T0 = datetime(2025, 1, 1, tzinfo=UTC)

DUE = date(2025, 1, 31)  # the due date the fake gives an invoice that names none


@dataclass(frozen=True, slots=True)
class FakeStatus:
    running: bool
    run_id: str | None
    scenario: str | None
    sim_now_s: float
    speed: float
    started_at: datetime | None
    drift_s: float
    windows: int


@dataclass
class FakeEngine:
    """``run_id`` None: no scenario running. ``answers[CommandType]`` overrides a result:
    an exception is raised, a callable is called with the command."""

    run_id: str | None = None
    sim_now_s: float = 100.0
    next_run_id: str | None = None
    commands: list[Command] = field(default_factory=list)
    timeouts: list[float] = field(default_factory=list)
    started: list[Scenario] = field(default_factory=list)
    answers: dict[type, Any] = field(default_factory=dict)
    closed: bool = False
    # What the engine holds of its providers, fed by a test with recorded rows.
    providers: ProviderMemory = field(
        default_factory=lambda: ProviderMemory(("tempo", "circle", "stripe"))
    )

    def start(self, scenario: Scenario) -> str:
        self.started.append(scenario)
        self.run_id = self.next_run_id or f"fake-{len(self.started)}"
        return self.run_id

    def stop(self) -> str | None:
        return self.run_id

    def submit(self, command: Command, timeout_s: float = 10.0) -> Any:
        self.commands.append(command)
        self.timeouts.append(timeout_s)
        answer = self.answers.get(type(command))
        if isinstance(answer, BaseException):
            raise answer
        if callable(answer):
            return answer(command)
        return self._default(command)

    def status(self) -> FakeStatus:
        return FakeStatus(
            running=self.run_id is not None,
            run_id=self.run_id,
            scenario=None if self.run_id is None else "fake",
            sim_now_s=self.sim_now_s,
            speed=1.0,
            started_at=None if self.run_id is None else T0,
            drift_s=0.0,
            windows=7,
        )

    def providers_in_memory(self) -> ProviderRows | None:
        return None if self.run_id is None else self.providers.snapshot()

    def wall_time(self, sim_s: float) -> datetime:
        return T0 + timedelta(seconds=sim_s)

    def close(self) -> None:
        self.closed = True

    def _default(self, command: Command) -> Any:
        now = self.sim_now_s
        n = len(self.commands)
        defaults: dict[type, Callable[[Any], Any]] = {
            CreateInvoice: lambda c: InvoiceCreated(
                c.invoice_id or f"INV-{n:06d}", c.due_date or DUE, f"0x{n:040x}", now, now + 1800
            ),
            PayInvoice: lambda c: PaymentStarted(c.invoice_id, c.method, now),
            SubmitBulk: lambda c: BulkSubmitted(1, c.data.count(b"\n") - 1, 0, ()),
            StartFault: lambda c: FaultStarted(
                c.provider, c.kind, now, None if c.duration_s is None else now + c.duration_s
            ),
            ClearFault: lambda c: FaultCleared(c.provider, now),
            ConfigureProvider: lambda c: ProviderConfigured(
                c.provider, 2, c.priority or 1, c.enabled is not False, now
            ),
            Reconcile: lambda c: Reconciled(now, "balanced", 0, "reserve matches"),
        }
        return defaults[type(command)](command)

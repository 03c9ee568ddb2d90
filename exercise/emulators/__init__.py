"""The provider emulators (``invoicesim emulate``): each provider of a scenario served over
HTTP on a port of its own, on the paced clock, following the scenario's fault timeline.

- ``behaviour``: what a provider answers and when, decided by the simulation's own
  ``actors.provider.Provider``;
- ``api``: one provider's HTTP API (FastAPI), its limits and its request log;
- ``server``: the listeners, opened and closed on the fault timeline, and serving
  on the current thread or a new one;
- ``records``: what the emulators saw, written to PostgreSQL off the request path;
- ``clock``: the paced clock.
"""

from exercise.emulators.behaviour import ChargeRecord, ChargeStatus, ChargeView, ProviderBehaviour
from exercise.emulators.clock import PacedClock
from exercise.emulators.records import DatabaseRecords, MemoryRecords, RecordSink
from exercise.emulators.server import (
    EmulateOptions,
    Emulators,
    Endpoint,
    RunningEmulators,
    default_speed,
    fault_timeline,
    serve_until_signal,
    start_in_thread,
)

__all__ = [
    "ChargeRecord",
    "ChargeStatus",
    "ChargeView",
    "DatabaseRecords",
    "EmulateOptions",
    "Emulators",
    "Endpoint",
    "MemoryRecords",
    "PacedClock",
    "ProviderBehaviour",
    "RecordSink",
    "RunningEmulators",
    "default_speed",
    "fault_timeline",
    "serve_until_signal",
    "start_in_thread",
]

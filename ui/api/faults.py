"""The faults of the running scenario: scheduled by its file and injected through the API.

The engine does not record faults, so the API knows them from two places.
Scheduled faults come from the scenario file in ``scenarios_dir`` that is the
running scenario: the same name and the same content hash as the run's row
(``runs.scenario_hash``), so an edited or unrelated file is never reported; a
scenario started from a file elsewhere has no scheduled faults listed. Faults
injected and cleared through the API are kept in memory by ``FaultLog`` (the
last ``MAX_ACTIONS``, with wall and simulated times); they are lost when the
service restarts.

On a provider the last fault set wins (``simulation.processes.provider``): a fault
ends at its planned end, or earlier when the provider gets another fault, is
restored, or a scheduled fault of it ends. ``fault_spans`` works that out.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Literal

from simulation.commands import FaultCleared, FaultStarted, StartFault
from simulation.scenario import FaultSpec, ScenarioError, load_scenario
from ui.api.scenarios import scenario_files
from ui.api.views import FaultOut

MAX_ACTIONS = 200  # faults injected or cleared through the API, all runs together


@dataclass(frozen=True, slots=True)
class FaultAction:
    """A fault started (``kind`` set) or a provider restored (``kind`` None) through the API."""

    run_id: str
    provider: str
    kind: str | None
    at_s: float
    at: datetime  # wall time the engine applied it
    ends_at_s: float | None = None
    params: dict[str, float] = field(default_factory=dict)


class FaultLog:
    """What the API injected and cleared, bounded; and each run's scheduled faults, cached."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._actions: deque[FaultAction] = deque(maxlen=MAX_ACTIONS)
        self._scheduled: dict[str, list[FaultSpec]] = {}  # the current run's only

    def started(self, run_id: str, command: StartFault, result: FaultStarted, at: datetime) -> None:
        params = {name: float(getattr(command, name)) for name in _PARAMS.get(result.kind, ())}
        action = FaultAction(
            run_id, result.provider, result.kind, result.started_at_s, at, result.ends_at_s, params
        )
        with self._lock:
            self._actions.append(action)

    def cleared(self, run_id: str, result: FaultCleared, at: datetime) -> None:
        with self._lock:
            self._actions.append(
                FaultAction(run_id, result.provider, None, result.cleared_at_s, at)
            )

    def actions(self, run_id: str) -> list[FaultAction]:
        with self._lock:
            return [a for a in self._actions if a.run_id == run_id]

    def scheduled(
        self, run_id: str, folder: Path, name: str, digest: Callable[[], str]
    ) -> list[FaultSpec]:
        """The faults of the file in ``folder`` that is the running scenario (or none);
        looked up once per run (``digest`` gives the run's scenario hash)."""
        with self._lock:
            if run_id in self._scheduled:
                return self._scheduled[run_id]
        found = scheduled_faults(folder, name, digest())
        with self._lock:
            self._scheduled = {run_id: found}
        return found


_PARAMS = {
    "error_rate": ("error_rate",),
    "latency": ("extra_latency_ms",),
    "flapping": ("period_s", "duty"),
    "rate_limit": ("rate_limit_per_s",),
}


def scheduled_faults(folder: Path, name: str, digest: str) -> list[FaultSpec]:
    """The faults of the scenario file named ``name`` whose hash is ``digest``; [] if none."""
    files = scenario_files(folder)
    likely = sorted(files, key=lambda stem: stem != name)  # the file named after it first
    for stem in likely:
        try:
            scenario = load_scenario(files[stem])
        except ScenarioError:
            continue
        if scenario.name == name and scenario.digest() == digest:
            return list(scenario.faults)
    return []


@dataclass(frozen=True, slots=True)
class _Fault:
    origin: Literal["scenario", "api"]
    target: str
    kind: str
    start_s: float
    planned_end_s: float | None
    params: dict[str, float]
    provider_fault: bool


def _from_file(spec: FaultSpec) -> _Fault:
    planned = None if spec.duration_s is None else spec.start_s + spec.duration_s
    if spec.is_actor_crash:
        planned = spec.start_s  # an instant: the process is lost and restored
    return _Fault("scenario", spec.target, str(spec.kind), spec.start_s, planned,
                  spec.params.given(), spec.is_provider_fault)  # fmt: skip


def _changes(scheduled: list[FaultSpec], actions: list[FaultAction]) -> dict[str, list[float]]:
    """Per provider, every time its fault is set or unset (what can cut a fault short)."""
    times: dict[str, list[float]] = {}
    for spec in scheduled:
        if spec.is_provider_fault:
            times.setdefault(spec.target, []).append(spec.start_s)
            if spec.duration_s is not None:
                times[spec.target].append(spec.start_s + spec.duration_s)
    api: dict[str, list[float]] = {}
    for action in actions:
        api.setdefault(action.provider, []).append(action.at_s)
    for action in actions:
        # An injected fault's own end unsets whatever fault the provider has then, unless
        # another fault was injected or the provider restored through the API before.
        end_s, mine = action.ends_at_s, api[action.provider]
        if end_s is not None and not any(action.at_s < t < end_s for t in mine):
            times.setdefault(action.provider, []).append(end_s)
    for provider, at in api.items():
        times.setdefault(provider, []).extend(at)
    return times


def fault_spans(
    scheduled: list[FaultSpec],
    actions: list[FaultAction],
    now_s: float,
    wall_time: Callable[[float], datetime],
) -> list[FaultOut]:
    """Every fault, oldest first, with the end it had or will have as far as known now."""
    faults = [_from_file(spec) for spec in scheduled]
    faults += [
        _Fault("api", a.provider, a.kind, a.at_s, a.ends_at_s, a.params, True)
        for a in actions
        if a.kind is not None
    ]
    changes = _changes(scheduled, actions)
    out = []
    for f in sorted(faults, key=lambda f: (f.start_s, f.origin, f.target)):
        end_s = f.planned_end_s
        if f.provider_fault:
            end_s = _first([t for t in changes.get(f.target, ()) if t > f.start_s], end_s)
        state: Literal["scheduled", "active", "ended"] = (
            "scheduled" if f.start_s > now_s
            else "ended" if end_s is not None and end_s <= now_s
            else "active"
        )  # fmt: skip
        out.append(
            FaultOut(
                origin=f.origin,
                target=f.target,
                kind=f.kind,
                params=f.params,
                start_s=f.start_s,
                end_s=end_s,
                planned_end_s=f.planned_end_s,
                start_at=wall_time(f.start_s),
                end_at=None if end_s is None else wall_time(end_s),
                state=state,
            )
        )
    return out


def _first(times: Iterable[float], planned: float | None) -> float | None:
    earliest = min(times, default=None)
    if planned is None:
        return earliest
    return planned if earliest is None else min(earliest, planned)

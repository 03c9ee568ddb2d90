"""Checkpoints and the replay log of a run's logical processes (both runtimes use this).

Every ``every`` windows the runtime saves every LP (``LogicalProcess.snapshot``)
and keeps the latest state of each in memory; between two checkpoints it logs
the windows each LP took part in, as (until, inbox). A lost LP comes back as its
last checkpoint (before the first one: as built from its spec, which is its
state at t=0) with the logged windows replayed in order (``revive``). Replay is
exact because an LP is deterministic: the same state and the same inboxes give
the same state, messages and rows. What a replay sends and records was
delivered when the window first ran, so it is dropped (a Ray host that writes its
own rows records them again: ``simulation.run_store.HostRows``). The log holds at most
``every`` windows per LP (``STRETCH_MAX`` times that when checkpoints are
costly, see ``OVERHEAD_BUDGET``): that bounds its memory and a recovery's work.

When the run is persisted, every checkpoint is also a row per LP of the
``checkpoints`` table, handed to the recorder like any window's rows (the
recorder keeps the latest few per LP).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable
from typing import Any

from actors.errors import InputError
from simulation.processes.base import LogicalProcess
from simulation.processes.layout import LpSpec
from simulation.processes.messages import Envelope
from simulation.runtime.build import build_lp
from simulation.scenario import Scenario

MAX_EVERY = 1_000_000
# A checkpoint pickles every LP. Its cost follows the state: 35 ms (1.2 MB) a minute
# into tempo_outage at 1,000 invoices/s, 400 ms (10.7 MB) at its end, when the providers
# remember some 60,000 idempotency keys. By default a checkpoint every 20 simulated
# seconds or so: 1,000 windows of a lookahead (20 ms) on a paced clock, 20 of the
# coordinator's one-second windows on the virtual clock.
DEFAULT_EVERY = 1000
DEFAULT_EVERY_VIRTUAL = 20
# So the interval stretches, up to STRETCH_MAX times ``every``, to as many windows as keep
# the last checkpoint's cost within this share of their wall time. Checkpoints never
# change an LP, so when they are taken never changes a run's results.
OVERHEAD_BUDGET = 0.05
STRETCH_MAX = 5

Window = tuple[float, list[Envelope]]  # (until, inbox) of one window of one LP
Record = Callable[[dict[str, list[tuple[Any, ...]]]], None]


def revive(
    spec: LpSpec, state: bytes | None, windows: Iterable[Window], record: Record | None = None
) -> LogicalProcess:
    """An LP as it was after its last logged window: its checkpoint, then the replay.

    What the replay records is dropped (the driver has it), unless ``record`` takes it: a
    Ray host that writes its own rows lost those it had not written yet with its state.
    """
    lp = build_lp(spec) if state is None else LogicalProcess.restore(state)
    for until, inbox in windows:
        result = lp.advance(until, list(inbox))  # a copy: advance sorts its inbox in place
        if record is not None and result.records:
            record(result.records)
    return lp


def default_checkpoint_every(runtime: str, scenario: Scenario, *, paced: bool = False) -> int:
    """Windows between checkpoints of a run that does not choose (``--checkpoint-every``).

    A checkpoint stops the window loop while every LP is pickled, tens of
    milliseconds a minute into a run and growing with its state: about a tenth of
    a batch run's wall time, and a live run's commands wait meanwhile. In the local
    runtime an LP is lost only by a scenario's ``actor_crash``, so a local run
    without one takes none: it does not pay for a recovery that cannot be needed.
    Ray actors can die, so Ray runs always take them.
    """
    if runtime == "local" and not any(f.is_actor_crash for f in scenario.faults):
        return 0
    return DEFAULT_EVERY if paced else DEFAULT_EVERY_VIRTUAL


class Checkpoints:
    """The latest state of every LP and the windows each took part in since."""

    def __init__(self, every: int = DEFAULT_EVERY, record: Record | None = None) -> None:
        if not 0 <= every <= MAX_EVERY:
            raise InputError(f"checkpoint_every must be within 0..{MAX_EVERY:,}, got {every}")
        self.every = every
        self.record = record  # where checkpoint rows go when the run is persisted
        self.window_no = 0  # windows completed
        self.interval = every  # windows from one checkpoint to the next (stretched when costly)
        self._last_no = 0
        self._last_wall = time.perf_counter()
        self.specs: dict[int, LpSpec] = {}
        self._states: dict[int, bytes] = {}  # absent: no checkpoint yet, revive from the spec
        self._log: dict[int, list[Window]] = {}
        self.recoveries: list[dict[str, Any]] = []
        self.taken = 0
        self.last_bytes = 0
        self.spent_s = 0.0  # wall time in snapshots, as the runtime measured it

    def track(self, specs: Iterable[LpSpec]) -> None:
        self.specs = {spec.index: spec for spec in specs}
        self._states.clear()
        self._log = {i: [] for i in self.specs}
        self._last_wall = time.perf_counter()  # the run starts now, not when this was made

    @property
    def enabled(self) -> bool:
        return self.every > 0

    def due(self) -> bool:
        """Whether the window about to run ends with a checkpoint."""
        return self.every > 0 and self.window_no + 1 - self._last_no >= self.interval

    def completed(self, windows: dict[int, Window]) -> None:
        """A window ran for these LPs, each to its own end: log it, unless checkpoints
        are off."""
        self.window_no += 1
        if self.every > 0:
            log = self._log
            for i, window in windows.items():
                log[i].append(window)

    def release_states(self) -> None:
        """Forget the saved states just before new ones are taken.

        A state is as large as its LP (60 MB for a provider holding 600,000 idempotency
        keys), and the previous ones kept beside the new ones until ``saved`` doubled
        that at the peak. Only for a runtime that cannot lose an LP until ``saved``:
        the local one, whose snapshots are a loop in this process (a failed snapshot
        ends the run). The Ray runtime keeps its states until the new ones are in.
        """
        self._states.clear()

    def saved(self, until: float, states: dict[int, bytes], spent_s: float) -> None:
        """Every LP's state after the window just completed: it replaces the log."""
        self._states.update(states)
        for i in states:
            self._log[i] = []
        self.taken += 1
        self.last_bytes = sum(len(s) for s in states.values())
        self.spent_s += spent_s
        now = time.perf_counter()
        windows = max(self.window_no - self._last_no, 1)
        window_s = max(now - self._last_wall - spent_s, 1e-9) / windows
        affordable = math.ceil(spent_s / (OVERHEAD_BUDGET * window_s))  # windows per checkpoint
        self.interval = min(self.every * STRETCH_MAX, max(self.every, affordable))
        self._last_no, self._last_wall = self.window_no, now
        if self.record is not None:
            rows = [(self.specs[i].name, self.window_no, until, s) for i, s in states.items()]
            self.record({"checkpoints": rows})

    def replay_of(self, index: int) -> tuple[bytes | None, list[Window]]:
        if self.every == 0:
            raise InputError(
                f"{self.specs[index].name} was lost and checkpoints are off "
                "(checkpoint_every: 0): the run cannot recover"
            )
        return self._states.get(index), self._log[index]

    def recovered(self, indexes: Iterable[int], cause: str) -> None:
        for i in indexes:
            self.recoveries.append(
                {
                    "lp": self.specs[i].name,
                    "window": self.window_no,
                    "replayed_windows": len(self._log[i]),
                    "cause": cause,
                }
            )

    def summary(self) -> dict[str, Any]:
        return {
            "every_windows": self.every,
            "taken": self.taken,
            "last_bytes": self.last_bytes,
            "last_interval_windows": self.interval,
            "mean_ms": round(1000 * self.spent_s / self.taken, 3) if self.taken else None,
            "recoveries": self.recoveries,
        }


def timed_snapshots(lps: Iterable[LogicalProcess]) -> tuple[dict[int, bytes], float]:
    start = time.perf_counter()
    states = {lp.index: lp.snapshot() for lp in lps}
    return states, time.perf_counter() - start

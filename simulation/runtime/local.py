"""Runtimes host logical processes; the coordinator only talks to this interface.

``LocalRuntime`` keeps every LP in this process: fast, for tests and quick
runs. The Ray runtime hosts the very same LP classes as actors, built from the
same ``LpSpec`` by ``build_lp``. Both checkpoint every LP and log its windows
(``simulation.runtime.checkpoints``), so a lost LP is revived exactly as it was.
"""

from __future__ import annotations

from typing import Any

from simulation.processes.base import LogicalProcess, WindowResult
from simulation.processes.layout import LpSpec, summary_order
from simulation.run_store import RowsTarget
from simulation.runtime.build import build_lp
from simulation.runtime.checkpoints import Checkpoints, Window, revive, timed_snapshots


class LocalRuntime:
    """Every LP in this process, advanced one after another."""

    name = "local"

    def __init__(self, checkpoints: Checkpoints | None = None) -> None:
        self.lps: dict[int, LogicalProcess] = {}  # LP index -> LP, in index order
        self.checkpoints = checkpoints or Checkpoints()
        self._order: dict[str, int] = {}

    def cpus(self) -> int | None:
        return None  # one process: more shards would not run side by side

    def write_rows_at(self, target: RowsTarget, writers: str) -> None:
        """Nothing to do: its LPs' rows come back with each window, for the run's store."""

    def start(self, specs: list[LpSpec]) -> None:
        self.lps = {spec.index: build_lp(spec) for spec in sorted(specs, key=lambda s: s.index)}
        self._order = summary_order(specs)
        self.checkpoints.track(specs)

    def advance(self, windows: dict[int, Window]) -> dict[int, WindowResult]:
        lps, checkpoints = self.lps, self.checkpoints
        snapshot = checkpoints.due()
        results = {i: lps[i].advance(until, inbox) for i, (until, inbox) in windows.items()}
        checkpoints.completed(windows)
        if snapshot:
            checkpoints.release_states()
            checkpoints.saved(_last_end(windows), *timed_snapshots(lps.values()))
        return results

    def crash(self, index: int) -> None:
        """Throw the LP away and revive it from its checkpoint and the logged windows."""
        checkpoints = self.checkpoints
        state, windows = checkpoints.replay_of(index)
        checkpoints.recovered([index], "crash")
        self.lps[index] = revive(checkpoints.specs[index], state, windows)

    def finish(self) -> list[dict[str, Any]]:
        summaries = [s for lp in self.lps.values() for s in lp.summaries()]
        return sorted(summaries, key=lambda s: self._order[s["name"]])

    def close(self) -> None:
        self.lps = {}


def _last_end(windows: dict[int, Window]) -> float:
    """The furthest end of a call's windows: where a checkpoint taken after it stands."""
    return max(until for until, _ in windows.values())

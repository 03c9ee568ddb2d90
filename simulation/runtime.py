"""Runtimes host logical processes; the coordinator only talks to this interface.

``LocalRuntime`` keeps every LP in this process: fast, for tests and quick
runs. The Ray runtime hosts the very same LP classes as actors, built from the
same ``LpSpec`` by ``build_lp``. Both checkpoint every LP and log its windows
(``simulation.checkpoints``), so a lost LP is revived exactly as it was.
"""

from __future__ import annotations

from typing import Any, Protocol

from simulation.checkpoints import Checkpoints, revive, timed_snapshots
from simulation.layout import LpSpec
from simulation.lp import LogicalProcess, WindowResult
from simulation.messages import Envelope


def build_lp(spec: LpSpec) -> LogicalProcess:
    """The one place an LP is made from its spec (every runtime calls this)."""
    from simulation.provider_lp import ProviderLP
    from simulation.reserve_lp import ReserveLP
    from simulation.shard import ShardLP

    kinds: dict[str, type[LogicalProcess]] = {
        "provider": ProviderLP,
        "shard": ShardLP,
        "reserve": ReserveLP,
    }
    return kinds[spec.kind](spec)  # type: ignore[call-arg, arg-type]


class Runtime(Protocol):
    name: str
    checkpoints: Checkpoints

    def cpus(self) -> int | None:
        """CPUs to spread shards over when a run names no shard count (None: no say)."""
        ...

    def start(self, specs: list[LpSpec]) -> None: ...

    def advance(
        self, until: float, inboxes: dict[int, list[Envelope]]
    ) -> dict[int, WindowResult]: ...

    def crash(self, index: int) -> None:
        """Lose the LP ``index`` (and whatever shares its host) the way a failure would."""
        ...

    def finish(self) -> list[dict[str, Any]]: ...

    def close(self) -> None: ...


class LocalRuntime:
    """Every LP in this process, advanced one after another."""

    name = "local"

    def __init__(self, checkpoints: Checkpoints | None = None) -> None:
        self.lps: list[LogicalProcess] = []
        self.checkpoints = checkpoints or Checkpoints()

    def cpus(self) -> int | None:
        return None  # one process: more shards would not run side by side

    def start(self, specs: list[LpSpec]) -> None:
        self.lps = [build_lp(spec) for spec in sorted(specs, key=lambda s: s.index)]
        self.checkpoints.track(specs)

    def advance(self, until: float, inboxes: dict[int, list[Envelope]]) -> dict[int, WindowResult]:
        lps, checkpoints = self.lps, self.checkpoints
        snapshot = checkpoints.due()
        results = {i: lps[i].advance(until, inbox) for i, inbox in inboxes.items()}
        checkpoints.completed(until, inboxes)
        if snapshot:
            checkpoints.release_states()
            checkpoints.saved(until, *timed_snapshots(lps))
        return results

    def crash(self, index: int) -> None:
        """Throw the LP away and revive it from its checkpoint and the logged windows."""
        checkpoints = self.checkpoints
        state, windows = checkpoints.replay_of(index)
        checkpoints.recovered([index], "crash")
        self.lps[index] = revive(checkpoints.specs[index], state, windows)

    def finish(self) -> list[dict[str, Any]]:
        return [lp.finish() for lp in self.lps]

    def close(self) -> None:
        self.lps = []

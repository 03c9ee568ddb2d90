"""What a runtime is: it hosts logical processes; the coordinator only talks to this.

``simulation.runtime.local.LocalRuntime`` keeps every LP in this process;
``simulation.runtime.ray.RayRuntime`` hosts the very same LP classes as Ray
actors. Both build LPs with ``build_lp``, checkpoint every LP and log its windows
(``simulation.runtime.checkpoints``), so a lost LP is revived exactly as it was.
"""

from __future__ import annotations

from typing import Any, Protocol

from simulation.processes.base import WindowResult
from simulation.processes.layout import LpSpec
from simulation.run_store import RowsTarget
from simulation.runtime.checkpoints import Checkpoints, Window


class Runtime(Protocol):
    name: str
    checkpoints: Checkpoints

    def cpus(self) -> int | None:
        """CPUs to spread shards over when a run names no shard count (None: no say)."""
        ...

    def write_rows_at(self, target: RowsTarget, writers: str) -> None:
        """A persisted batch run: from ``start`` on, the hosts write their LPs' rows to
        ``target`` themselves when ``writers`` (``run_store.ROW_WRITERS``) says so; else
        the rows come back with each window, for the driver to write."""
        ...

    def start(self, specs: list[LpSpec]) -> None: ...

    def advance(self, windows: dict[int, Window]) -> dict[int, WindowResult]:
        """Advance each LP of ``windows`` to its own end, with its inbox: (until, inbox).
        The LPs of one call run side by side (a cell to this window's end, the reserve to
        the last one's)."""
        ...

    def crash(self, index: int) -> None:
        """Lose the LP ``index`` (and whatever shares its host) the way a failure would."""
        ...

    def finish(self) -> list[dict[str, Any]]: ...

    def close(self) -> None: ...

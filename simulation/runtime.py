"""Runtimes host logical processes; the coordinator only talks to this interface.

``LocalRuntime`` keeps every LP in this process: fast, for tests and quick
runs. The Ray runtime hosts the very same LP classes as actors, built from the
same ``LpSpec`` by ``build_lp``.
"""

from __future__ import annotations

from typing import Any, Protocol

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

    def start(self, specs: list[LpSpec]) -> None: ...

    def advance(
        self, until: float, inboxes: dict[int, list[Envelope]]
    ) -> dict[int, WindowResult]: ...

    def finish(self) -> list[dict[str, Any]]: ...

    def close(self) -> None: ...


class LocalRuntime:
    """Every LP in this process, advanced one after another."""

    name = "local"

    def __init__(self) -> None:
        self.lps: list[LogicalProcess] = []

    def start(self, specs: list[LpSpec]) -> None:
        self.lps = [build_lp(spec) for spec in sorted(specs, key=lambda s: s.index)]

    def advance(self, until: float, inboxes: dict[int, list[Envelope]]) -> dict[int, WindowResult]:
        lps = self.lps
        return {i: lps[i].advance(until, inbox) for i, inbox in inboxes.items()}

    def finish(self) -> list[dict[str, Any]]:
        return [lp.finish() for lp in self.lps]

    def close(self) -> None:
        self.lps = []

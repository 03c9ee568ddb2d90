"""The one place a logical process is made from its spec: every runtime, and a revival."""

from __future__ import annotations

from collections.abc import Callable

from simulation.processes.base import LogicalProcess
from simulation.processes.cell import CellLP
from simulation.processes.layout import LpSpec
from simulation.processes.provider import ProviderLP
from simulation.processes.reserve import ReserveLP
from simulation.processes.shard import ShardLP

_KINDS: dict[str, Callable[[LpSpec], LogicalProcess]] = {
    "provider": ProviderLP,
    "shard": ShardLP,
    "reserve": ReserveLP,
}


def build_lp(spec: LpSpec) -> LogicalProcess:
    """The LP ``spec`` describes, in its state at t=0 (a cell with its members)."""
    if spec.kind == "cell":
        return CellLP(spec, [build_lp(member) for member in spec.members])
    return _KINDS[spec.kind](spec)

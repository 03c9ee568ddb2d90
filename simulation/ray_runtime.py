"""The Ray runtime: the same logical processes, hosted as Ray actors.

With ``simulation/sweep.py`` (whole runs as Ray tasks), this is the only module
that calls ``ray.remote``. Each shard LP gets an actor
of its own, spread over the cluster's nodes; the provider and reserve LPs
share one "services" actor, since a window's round trip, not the work inside
it, is what a window costs here. Every LP is built from its ``LpSpec`` by
``build_lp``, exactly as the local runtime builds it, so both runtimes give
the same digest. A window costs one call per busy actor and a single
``ray.get`` for all of them; there is never a ``ray.get`` inside a loop.
"""

from __future__ import annotations

import os
from typing import Any

from actors.errors import InputError
from simulation.layout import LpSpec
from simulation.lp import WindowResult
from simulation.messages import Envelope
from simulation.runtime import build_lp

MAX_RESTARTS = 3


class LpHost:
    """The body of an actor: one or more logical processes, advanced in LP order."""

    def __init__(self, specs: list[LpSpec]) -> None:
        self.lps = {spec.index: build_lp(spec) for spec in sorted(specs, key=lambda s: s.index)}

    def advance(self, until: float, inboxes: dict[int, list[Envelope]]) -> dict[int, WindowResult]:
        lps = self.lps
        return {i: lps[i].advance(until, inbox) for i, inbox in sorted(inboxes.items())}

    def finish(self) -> list[dict[str, Any]]:
        import ray

        node = str(ray.get_runtime_context().get_node_id())
        return [{**lp.finish(), "node_id": node} for lp in self.lps.values()]


def _alive_nodes() -> list[str]:
    """Node ids of the cluster, the driver's own node first, then the others in id order."""
    import ray

    own = ray.get_runtime_context().get_node_id()
    listed: list[dict[str, Any]] = ray.nodes()  # type: ignore[no-untyped-call]
    others = sorted(n["NodeID"] for n in listed if n["Alive"] and n["NodeID"] != own)
    return [own, *others]


class RayRuntime:
    name = "ray"

    def __init__(self, address: str | None = None) -> None:
        self.address = address or os.environ.get("RAY_ADDRESS") or None
        self.actors: list[Any] = []
        self._started_ray = False

    def start(self, specs: list[LpSpec]) -> None:
        try:
            import ray
        except ImportError:  # pragma: no cover - ray is a dependency
            raise InputError("the ray runtime needs the 'ray' package: pip install ray") from None
        if not ray.is_initialized():
            ray.init(
                address=self.address,
                include_dashboard=False,
                log_to_driver=False,
                configure_logging=False,
            )
            self._started_ray = True
        from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

        self._order = {spec.name: spec.index for spec in specs}
        actor_class = ray.remote(max_restarts=MAX_RESTARTS)(LpHost)
        groups = [[s for s in specs if s.kind != "shard"]]
        groups += [[s] for s in sorted(specs, key=lambda s: s.index) if s.kind == "shard"]
        nodes = _alive_nodes()
        self.actors = []
        self._host_of: dict[int, int] = {}
        for host, group in enumerate(groups):
            # Shards round-robin over the nodes, the services actor on the first. Hard
            # affinity: a soft one quietly fell back to the head node on a busy machine.
            # (Restoring an actor on another node after its node dies needs checkpoints,
            # which do not exist yet.)
            node = nodes[(host - 1) % len(nodes)] if host else nodes[0]
            self.actors.append(
                actor_class.options(
                    num_cpus=0,  # LPs take turns within a window: no core reserved for each
                    scheduling_strategy=NodeAffinitySchedulingStrategy(node, soft=False),
                ).remote(group)
            )
            for spec in group:
                self._host_of[spec.index] = host

    def advance(self, until: float, inboxes: dict[int, list[Envelope]]) -> dict[int, WindowResult]:
        import ray

        per_host: dict[int, dict[int, list[Envelope]]] = {}
        for i, inbox in inboxes.items():
            per_host.setdefault(self._host_of[i], {})[i] = inbox
        refs = [self.actors[h].advance.remote(until, batch) for h, batch in per_host.items()]
        results: dict[int, WindowResult] = {}
        for part in ray.get(refs):
            results.update(part)
        return results

    def finish(self) -> list[dict[str, Any]]:
        import ray

        parts = ray.get([actor.finish.remote() for actor in self.actors])
        return sorted((s for part in parts for s in part), key=self._summary_order)

    def _summary_order(self, summary: dict[str, Any]) -> int:
        return self._order[summary["name"]]

    def close(self) -> None:
        import ray

        for actor in self.actors:
            ray.kill(actor)
        self.actors = []
        if self._started_ray:
            ray.shutdown()
            self._started_ray = False

"""The Ray runtime: the same logical processes, hosted as Ray actors, recovered when lost.

With ``simulation/sweep.py`` (whole runs as Ray tasks), this is the only module
that calls ``ray.remote``. Each shard LP gets an actor (``LpHost``) of its own,
spread over the cluster's nodes; the provider and reserve LPs share one
"services" actor, since a window's round trip, not the work inside it, is what
a window costs here. Every LP is built from its ``LpSpec`` by ``build_lp``,
exactly as the local runtime builds it, so both runtimes give the same digest.
A window costs one call per busy actor and a single ``ray.get`` for all of
them; there is never a ``ray.get`` waiting inside a loop.

Fault tolerance: actors have ``max_restarts``. A host is lost when its call
fails (its actor or node died) or when it answers as another incarnation (Ray
restarted it between windows). Its LPs are then restored on the restarted actor
from their checkpoints and replayed (``simulation.checkpoints``), or on a new
actor anywhere in the cluster when it cannot come back (its node is gone, its
restarts are used up), and the window is redone for it alone.
"""

from __future__ import annotations

import contextlib
import os
import pickle
from collections.abc import Callable, Iterable
from typing import Any

from actors.errors import InputError, InvoicesimError
from simulation.checkpoints import Checkpoints
from simulation.layout import LpSpec
from simulation.lp import WindowResult
from simulation.messages import Envelope
from simulation.ray_host import HostAnswer, LpHost, pack

MAX_RESTARTS = 3
MAX_ROUNDS = 4  # tries to get one window (or one restore) through before the run stops


def _lost_errors() -> tuple[type[BaseException], ...]:
    """What a lost host raises (an error raised by an LP itself is a bug and propagates)."""
    from ray.exceptions import ActorUnschedulableError, NodeDiedError, RayActorError

    return (RayActorError, ActorUnschedulableError, NodeDiedError)


def _gather(refs: list[Any]) -> list[Any]:
    """Every call's answer, or the error of a lost host in its place."""
    import ray

    lost = _lost_errors()
    try:
        return list(ray.get(refs))
    except lost:
        pass
    # Some host was lost. One wait settles every call; the reads below then never
    # wait, they only tell which calls failed.
    ray.wait(refs, num_returns=len(refs))
    answers: list[Any] = []
    for ref in refs:
        try:
            answers.append(ray.get(ref))
        except lost as error:
            answers.append(error)
    return answers


def _stale(answer: HostAnswer) -> bool:
    return answer.stale


def _alive_nodes() -> list[str]:
    """Node ids of the cluster, the driver's own node first, then the others in id order."""
    import ray

    own = ray.get_runtime_context().get_node_id()
    listed: list[dict[str, Any]] = ray.nodes()  # type: ignore[no-untyped-call]
    others = sorted(n["NodeID"] for n in listed if n["Alive"] and n["NodeID"] != own)
    return [own, *others]


class RayRuntime:
    name = "ray"

    def __init__(self, address: str | None = None, checkpoints: Checkpoints | None = None) -> None:
        self.address = address or os.environ.get("RAY_ADDRESS") or None
        self.checkpoints = checkpoints or Checkpoints()
        self.actors: list[Any] = []
        self.incarnations: list[str] = []
        self.pids: list[int] = []  # each host's worker process
        self.nodes: list[str | None] = []  # the node each host is pinned to (None: anywhere)
        self._started_ray = False

    def _connect(self) -> Any:
        """Ray, joined (``address``) or started here (then ``close`` shuts it down)."""
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
        return ray

    def cpus(self) -> int:
        return int(self._connect().cluster_resources().get("CPU", 1))

    def start(self, specs: list[LpSpec]) -> None:
        ray = self._connect()
        self._order = {spec.name: spec.index for spec in specs}
        self._actor_class = ray.remote(max_restarts=MAX_RESTARTS)(LpHost)
        groups = [[s for s in specs if s.kind != "shard"]]
        groups += [[s] for s in sorted(specs, key=lambda s: s.index) if s.kind == "shard"]
        nodes = _alive_nodes()
        self.groups = groups
        self._host_of = {spec.index: host for host, group in enumerate(groups) for spec in group}
        # Shards round-robin over the nodes, the services actor on the first. Hard
        # affinity: a soft one quietly fell back to the head node on a busy machine.
        self.nodes = [nodes[(h - 1) % len(nodes)] if h else nodes[0] for h in range(len(groups))]
        self.actors = [self._spawn(h) for h in range(len(groups))]
        hellos = ray.get([actor.hello.remote() for actor in self.actors])
        self.incarnations = [incarnation for incarnation, _ in hellos]
        self.pids = [pid for _, pid in hellos]
        self.checkpoints.track(specs)

    def _spawn(self, host: int) -> Any:
        from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

        node = self.nodes[host]
        strategy: Any = "DEFAULT"
        if node is not None:
            strategy = NodeAffinitySchedulingStrategy(node, soft=False)
        return self._actor_class.options(
            num_cpus=0,  # LPs take turns within a window: no core reserved for each
            scheduling_strategy=strategy,
        ).remote(self.groups[host])

    def advance(self, until: float, inboxes: dict[int, list[Envelope]]) -> dict[int, WindowResult]:
        checkpoints = self.checkpoints
        snapshot = checkpoints.due()
        # At a checkpoint every host is called, idle or not, to hand in its LPs' states.
        per_host: dict[int, dict[int, list[Envelope]]] = (
            {h: {} for h in range(len(self.actors))} if snapshot else {}
        )
        for i, inbox in inboxes.items():
            per_host.setdefault(self._host_of[i], {})[i] = inbox

        packed = {h: pack(inboxes_of) for h, inboxes_of in per_host.items()}

        def call(h: int) -> Any:
            return self.actors[h].advance.remote(self.incarnations[h], until, packed[h], snapshot)

        answers: dict[int, HostAnswer] = self._call(per_host, call, _stale, decode=pickle.loads)
        results: dict[int, WindowResult] = {}
        states: dict[int, bytes] = {}
        spent_s = 0.0
        for answer in answers.values():
            assert answer.results is not None
            results.update(answer.results)
            if answer.states is not None:
                states.update(answer.states)
                spent_s = max(spent_s, answer.snapshot_s)  # hosts snapshot side by side
        checkpoints.completed(until, inboxes)
        if snapshot:
            checkpoints.saved(until, states, spent_s)
        return results

    def _call(
        self,
        hosts: Iterable[int],
        call: Callable[[int], Any],
        stale: Callable[[Any], bool],
        decode: Callable[[Any], Any] | None = None,
    ) -> dict[int, Any]:
        """One call per host in one round; lost hosts are recovered and called again."""
        answers: dict[int, Any] = {}
        pending = list(hosts)
        for _ in range(MAX_ROUNDS):
            lost: dict[int, str] = {}  # host -> why it is considered lost
            for h, answer in zip(pending, _gather([call(h) for h in pending]), strict=True):
                if isinstance(answer, BaseException):
                    lost[h] = type(answer).__name__
                    continue
                if decode is not None:
                    answer = decode(answer)
                if stale(answer):
                    lost[h] = "restarted"  # a new incarnation answered: Ray restarted it
                else:
                    answers[h] = answer
            if not lost:
                return answers
            self._recover(lost)
            pending = list(lost)
        raise InvoicesimError(f"Ray hosts {pending} were lost {MAX_ROUNDS} times in one window")

    def _recover(self, causes: dict[int, str]) -> None:
        """Restore the hosts' LPs on their restarted actors, or on new ones, in rounds."""
        import ray

        hosts = list(causes)
        replays = {h: {i: self.checkpoints.replay_of(i) for i in self._lps_of(h)} for h in hosts}
        alive = {n["NodeID"] for n in ray.nodes() if n["Alive"]}  # type: ignore[no-untyped-call]
        for h in hosts:
            if self.nodes[h] is not None and self.nodes[h] not in alive:
                self._replace(h)  # pinned to a node that is gone: it cannot restart there
        pending = list(hosts)
        for _ in range(MAX_ROUNDS):
            refs = [self.actors[h].restore.remote(replays[h]) for h in pending]
            failed = []
            for h, answer in zip(pending, _gather(refs), strict=True):
                if isinstance(answer, BaseException):
                    failed.append(h)
                else:
                    self.incarnations[h], self.pids[h] = answer
            if not failed:
                for h in hosts:
                    self.checkpoints.recovered(self._lps_of(h), causes[h])
                return
            for h in failed:
                self._replace(h)  # it did not come back (restarts used up, node gone)
            pending = failed
        raise InvoicesimError(f"could not restore Ray hosts {pending} in {MAX_ROUNDS} tries")

    def _replace(self, host: int) -> None:
        import ray

        with contextlib.suppress(Exception):  # it may be dead already: that is the point
            ray.kill(self.actors[host], no_restart=True)
        self.nodes[host] = None
        self.actors[host] = self._spawn(host)

    def _lps_of(self, host: int) -> list[int]:
        return [spec.index for spec in self.groups[host]]

    def crash(self, index: int) -> None:
        """Kill the LP's host; Ray restarts it, the next call to it finds out and recovers."""
        import ray

        ray.kill(self.actors[self._host_of[index]], no_restart=False)

    def finish(self) -> list[dict[str, Any]]:
        def call(h: int) -> Any:
            return self.actors[h].finish.remote(self.incarnations[h])

        parts = self._call(range(len(self.actors)), call, lambda a: a is None)
        return sorted((s for part in parts.values() for s in part), key=self._summary_order)

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

"""The Ray runtime: the same logical processes, hosted as Ray actors, recovered when lost.

With ``simulation/runtime/ray/pool.py`` (whole runs as Ray tasks, for sweeps and fuzzing),
this is the only module that calls ``ray.remote``. Each shard LP gets an actor
(``LpHost``) of its own, spread over the cluster's nodes; the provider and reserve
LPs share one "services" actor when the cluster has a CPU more than there are
shards, and join the shards' actors otherwise (``layout.host_groups``), since a
window's round trip, not the work inside it, is what a window costs here. Every LP is built
from its ``LpSpec`` by ``build_lp``, exactly as the local runtime builds it, so
both runtimes give the same digest.
A window is one message to each busy host over its channel
(``simulation.runtime.ray.channel``: Ray places, starts and restarts the hosts; the
windows travel over a connection of their own, ten times cheaper than a Ray
call), then one wait for all of the answers. A host whose channel cannot be
reached gets its windows as Ray calls instead, gathered by a single
``ray.get``. Ray is asked nothing else per window: only about a host that stays
silent or whose channel breaks (``_ask``).

In a persisted batch run on a cluster with the cores for it, each host writes its LPs'
rows beside itself through a connection of its own (``write_rows_at``,
``simulation.runtime.ray.row_writer``): rows never travel to the driver, and the
database takes them on as many connections as there are hosts.

Fault tolerance: actors have ``max_restarts``. A host is lost when its call
fails or its channel breaks (its actor or node died), when it answers as
another incarnation (Ray restarted it between windows), or when it stays
silent and Ray says it is gone or restarted. Its LPs are then restored on the
restarted actor from their checkpoints and replayed (``simulation.runtime.checkpoints``),
or on a new actor anywhere in the cluster when it cannot come back (its node is
gone, its restarts are used up), and the window is redone for it alone.
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
from collections.abc import Callable, Iterable
from multiprocessing import AuthenticationError
from multiprocessing.connection import Connection, wait
from typing import Any, cast

from actors.errors import InputError, InvoicesimError
from simulation.processes.base import WindowResult
from simulation.processes.layout import LpSpec, host_groups, host_shard_no, summary_order
from simulation.run_store import CPUS_PER_WRITING_HOST, RowsTarget
from simulation.runtime.checkpoints import Checkpoints, Window
from simulation.runtime.ray import channel as ray_channel
from simulation.runtime.ray.host import HostAnswer, LpHost, pack

log = logging.getLogger(__name__)

MAX_RESTARTS = 3
MAX_ROUNDS = 4  # tries to get one window (or one restore) through before the run stops
SILENCE_S = 2.0  # a host this long without answering a window is asked, through Ray, if it lives
SILENT_ASK_S = 0.25  # how long the driver waits for that answer before it watches the channel again
ASK_S = 30.0  # how long the question about a broken channel may take


class HostLost(Exception):
    """A host that did not answer a window over its channel, and why."""

    def __init__(self, cause: str) -> None:
        super().__init__(cause)
        self.cause = cause


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


def _cause(error: BaseException) -> str:
    return error.cause if isinstance(error, HostLost) else type(error).__name__


def _stale(answer: HostAnswer) -> bool:
    return answer.stale


def _answer(payload: bytes) -> HostAnswer:
    """A host's answer to a window; what an LP raised there is raised here."""
    answer: HostAnswer = pickle.loads(payload)
    if answer.error is not None:
        raise answer.error
    return answer


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
        self.channels: list[Connection | None] = []  # None: windows go through Ray calls
        self.windows_sent = {"channel": 0, "ray call": 0}  # messages to hosts, by way
        self._authkey = os.urandom(32)  # the channels' key; a secret of this run's driver
        self._started_ray = False
        self._rows: RowsTarget | None = None  # where the hosts would write their LPs' rows
        self._row_writers = "driver"
        self.rows_by_hosts = False  # whether they do (decided at start)
        self.rows_written: list[dict[str, int]] = []  # by host, once finished: table -> rows

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

    def write_rows_at(self, target: RowsTarget, writers: str) -> None:
        """Each host may write its LPs' rows to ``target`` itself (called before ``start``,
        which decides: ``run_store.ROW_WRITERS``)."""
        self._rows, self._row_writers = target, writers

    def start(self, specs: list[LpSpec]) -> None:
        ray = self._connect()
        self._order = summary_order(specs)
        self._actor_class = ray.remote(max_restarts=MAX_RESTARTS)(LpHost)
        cpus = self.cpus()
        groups = host_groups(specs, cpus)
        nodes = _alive_nodes()
        self.groups = groups
        writers = self._row_writers
        self.rows_by_hosts = self._rows is not None and (
            writers == "hosts"
            or (writers == "auto" and cpus >= CPUS_PER_WRITING_HOST * len(groups))
        )
        self._host_of = {spec.index: host for host, group in enumerate(groups) for spec in group}
        # Shards round-robin over the nodes, a services actor on the first. Hard
        # affinity: a soft one quietly fell back to the head node on a busy machine.
        self.nodes = [nodes[host_shard_no(group) % len(nodes)] for group in groups]
        self.actors = [self._spawn(h) for h in range(len(groups))]
        hellos = ray.get([actor.hello.remote() for actor in self.actors])
        self.incarnations = [incarnation for incarnation, _ in hellos]
        self.pids = [pid for _, pid in hellos]
        self.channels = [None] * len(self.actors)
        self._open_channels(range(len(self.actors)))
        self.checkpoints.track(specs)

    def _open_channels(self, hosts: Iterable[int]) -> None:
        """Connect to each host's channel; one that cannot be reached gets Ray calls."""
        hosts = list(hosts)
        refs = [self.actors[h].open_channel.remote(self._authkey) for h in hosts]
        for h, address in zip(hosts, _gather(refs), strict=True):
            self._close_channel(h)
            if isinstance(address, BaseException):
                continue  # lost already: the next window finds out and recovers it
            try:
                self.channels[h] = ray_channel.connect(tuple(address), self._authkey)
            except (OSError, AuthenticationError) as error:
                log.warning(
                    "host %d: its channel at %s cannot be reached (%s); its windows go "
                    "through Ray calls",
                    h,
                    address,
                    error,
                )

    def _close_channel(self, host: int) -> None:
        conn, self.channels[host] = self.channels[host], None
        if conn is not None:
            conn.close()

    def _spawn(self, host: int) -> Any:
        from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

        node = self.nodes[host]
        strategy: Any = "DEFAULT"
        if node is not None:
            strategy = NodeAffinitySchedulingStrategy(node, soft=False)
        return self._actor_class.options(
            num_cpus=0,  # LPs take turns within a window: no core reserved for each
            scheduling_strategy=strategy,
        ).remote(self.groups[host], self._rows if self.rows_by_hosts else None)

    def advance(self, windows: dict[int, Window]) -> dict[int, WindowResult]:
        checkpoints = self.checkpoints
        snapshot = checkpoints.due()
        # At a checkpoint every host is called, idle or not, to hand in its LPs' states.
        per_host: dict[int, dict[int, Window]] = (
            {h: {} for h in range(len(self.actors))} if snapshot else {}
        )
        for i, window_i in windows.items():
            per_host.setdefault(self._host_of[i], {})[i] = window_i

        def window(pending: list[int]) -> list[Any]:
            return self._exchange(
                {h: pack((self.incarnations[h], per_host[h], snapshot)) for h in pending}
            )

        answers: dict[int, HostAnswer] = self._call(per_host, window, _stale, _answer)
        results: dict[int, WindowResult] = {}
        states: dict[int, bytes] = {}
        spent_s = 0.0
        for answer in answers.values():
            assert answer.results is not None
            results.update(answer.results)
            if answer.states is not None:
                states.update(answer.states)
                spent_s = max(spent_s, answer.snapshot_s)  # hosts snapshot side by side
        checkpoints.completed(windows)
        if snapshot:
            checkpoints.saved(max(until for until, _ in windows.values()), states, spent_s)
        return results

    def _exchange(self, payloads: dict[int, bytes]) -> list[Any]:
        """Send each host its window, then wait for every answer (or a lost host's error)."""
        refs: dict[int, Any] = {}
        waiting: dict[Connection, int] = {}
        answers: dict[int, Any] = {}
        for h, payload in payloads.items():
            conn = self.channels[h]
            if conn is None:
                refs[h] = self.actors[h].step.remote(payload)
                continue
            try:
                conn.send_bytes(payload)
                waiting[conn] = h
            except OSError:
                answers[h] = self._broken(h)
        self.windows_sent["channel"] += len(waiting)
        self.windows_sent["ray call"] += len(refs)
        while waiting:
            ready = cast(list[Connection], wait(list(waiting), timeout=SILENCE_S))
            for conn in ready:
                h = waiting.pop(conn)
                try:
                    answers[h] = conn.recv_bytes()
                except (EOFError, OSError):
                    answers[h] = self._broken(h)
            if not ready:  # silence: a host lost without its connection breaking (node gone)
                for conn, h in list(waiting.items()):
                    cause = self._ask(h, SILENT_ASK_S)  # no answer in time: busy, wait on
                    if cause is not None:
                        del waiting[conn]
                        answers[h] = self._given_up(h, cause)
        if refs:
            answers.update(zip(refs, _gather(list(refs.values())), strict=True))
        return [answers[h] for h in payloads]

    def _broken(self, host: int) -> HostLost:
        """The host's channel broke: say why (Ray knows), and stop using it."""
        return self._given_up(host, self._ask(host, ASK_S) or "channel lost")

    def _given_up(self, host: int, cause: str) -> HostLost:
        """Stop using the host's channel; it is recovered (and its channel opened again)."""
        self._close_channel(host)
        return HostLost(cause)

    def _ask(self, host: int, timeout_s: float) -> str | None:
        """Why the host is lost (Ray's error, or ``restarted``), or None: it lives, as it was,
        or did not say within ``timeout_s``."""
        import ray

        ref = self.actors[host].hello.remote()
        ready, _ = ray.wait([ref], timeout=timeout_s)
        if not ready:
            return None
        try:
            incarnation, _pid = ray.get(ref)
        except _lost_errors() as error:
            return type(error).__name__
        return None if incarnation == self.incarnations[host] else "restarted"

    def _call(
        self,
        hosts: Iterable[int],
        round_: Callable[[list[int]], list[Any]],
        stale: Callable[[Any], bool],
        decode: Callable[[Any], Any] | None = None,
    ) -> dict[int, Any]:
        """One round of calls (``round_``: an answer or error per host, in order); lost hosts
        are recovered and called again."""
        answers: dict[int, Any] = {}
        pending = list(hosts)
        for _ in range(MAX_ROUNDS):
            lost: dict[int, str] = {}  # host -> why it is considered lost
            for h, answer in zip(pending, round_(pending), strict=True):
                if isinstance(answer, BaseException):
                    lost[h] = _cause(answer)
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
                self._open_channels(hosts)
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

    def host_of(self, lp: str) -> int:
        """The host (index into ``actors`` and ``pids``) of the LP named ``lp``."""
        return self._host_of[self._order[lp]]

    def lps_on(self, host: int) -> list[str]:
        """The names of the LPs ``host`` holds, in the order a recovery lists them."""
        return [spec.name for spec in self.groups[host]]

    def crash(self, index: int) -> None:
        """Kill the LP's host; Ray restarts it, the next call to it finds out and recovers."""
        import ray

        ray.kill(self.actors[self._host_of[index]], no_restart=False)

    def finish(self) -> list[dict[str, Any]]:
        def finish_round(pending: list[int]) -> list[Any]:
            return _gather([self.actors[h].finish.remote(self.incarnations[h]) for h in pending])

        parts = self._call(range(len(self.actors)), finish_round, lambda a: a is None)
        self.rows_written = [parts[h][1] for h in sorted(parts)]
        summaries = (s for summaries, _ in parts.values() for s in summaries)
        return sorted(summaries, key=self._summary_order)

    def _summary_order(self, summary: dict[str, Any]) -> int:
        return self._order[summary["name"]]

    def close(self) -> None:
        import ray

        for h in range(len(self.channels)):
            self._close_channel(h)
        for actor in self.actors:
            ray.kill(actor)
        self.actors = []
        if self._started_ray:
            ray.shutdown()
            self._started_ray = False

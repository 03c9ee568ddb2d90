"""The body of a Ray actor of the Ray runtime: one or more logical processes.

Plain Python: ``simulation/ray_runtime.py`` makes it an actor. A host advances
its LPs in LP order, one call per window, and at checkpoint windows hands back
their snapshots in the same answer (no extra round trip).

A Ray actor that is restarted (``max_restarts``) runs ``__init__`` again: its
LPs are rebuilt from their specs, at t=0. Each incarnation therefore draws an
id, and every call carries the id the driver expects: a host that does not
recognise it computes nothing and answers ``stale``, so a window is never run
on fresh state. The driver then restores it (``restore``) and redoes the window.
"""

from __future__ import annotations

import os
import pickle
import uuid
from dataclasses import dataclass
from typing import Any

from simulation import gc_tuning
from simulation.checkpoints import Window, revive, timed_snapshots
from simulation.layout import LpSpec
from simulation.lp import WindowResult
from simulation.messages import Envelope
from simulation.runtime import build_lp


@dataclass(slots=True)
class HostAnswer:
    incarnation: str
    results: dict[int, WindowResult] | None  # None: stale, nothing was computed
    states: dict[int, bytes] | None = None  # snapshots, at checkpoint windows
    snapshot_s: float = 0.0

    @property
    def stale(self) -> bool:
        return self.results is None


def pack(value: Any) -> bytes:
    """A window's inboxes or answer as bytes for Ray to carry.

    Ray pickles call arguments and results with cloudpickle's pure-Python
    pickler, which cost ~0.3 ms a call here; the C pickler does the same work in
    a fraction of that, and Ray passes bytes through as they are. Everything sent
    is a plain module-level class, so the C pickler can take it.
    """
    return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)


class LpHost:
    def __init__(self, specs: list[LpSpec]) -> None:
        gc_tuning.for_worker()  # this process only hosts LPs
        ordered = sorted(specs, key=lambda s: s.index)
        self.specs = {spec.index: spec for spec in ordered}
        self.lps = {spec.index: build_lp(spec) for spec in ordered}
        # Not keyed randomness: this id names a process incarnation, never a simulated event.
        self.incarnation = uuid.uuid4().hex

    def hello(self) -> tuple[str, int]:
        """This incarnation's id and its worker's pid (tests kill it with a signal)."""
        return self.incarnation, os.getpid()

    def advance(self, incarnation: str, until: float, inboxes: bytes, snapshot: bool) -> bytes:
        """One window of this host's LPs. Inboxes and answer travel pickled (``pack``)."""
        if incarnation != self.incarnation:
            return pack(HostAnswer(self.incarnation, None))
        lps = self.lps
        unpacked: dict[int, list[Envelope]] = pickle.loads(inboxes)
        results = {i: lps[i].advance(until, inbox) for i, inbox in sorted(unpacked.items())}
        if not snapshot:
            return pack(HostAnswer(self.incarnation, results))
        states, spent_s = timed_snapshots(lps.values())
        return pack(HostAnswer(self.incarnation, results, states, spent_s))

    def restore(self, replays: dict[int, tuple[bytes | None, list[Window]]]) -> tuple[str, int]:
        """Bring every LP back from its checkpoint and logged windows; answers ``hello``."""
        for i, (state, windows) in replays.items():
            self.lps[i] = revive(self.specs[i], state, windows)
        return self.hello()

    def finish(self, incarnation: str) -> list[dict[str, Any]] | None:
        if incarnation != self.incarnation:
            return None
        import ray

        node = str(ray.get_runtime_context().get_node_id())
        return [{**lp.finish(), "node_id": node} for lp in self.lps.values()]

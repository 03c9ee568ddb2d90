"""The body of a Ray actor of the Ray runtime: one or more logical processes.

Plain Python: ``simulation/runtime/ray/runtime.py`` makes it an actor. A host advances
its LPs in LP order, one message per window, and at checkpoint windows hands
back their snapshots in the same answer (no extra round trip).

A Ray actor that is restarted (``max_restarts``) runs ``__init__`` again: its
LPs are rebuilt from their specs, at t=0. So the host's LPs carry an
incarnation id, drawn anew whenever they are rebuilt or restored, and every
window carries the id the driver expects: a host that does not recognise it
computes nothing and answers ``stale``, so a window is never run on state the
driver does not know. The driver then restores it (``restore``, which answers
the new id) and redoes the window. A window the driver gave up on but that
reaches the host afterwards is stale the same way, so no window is run twice.

Windows come over the host's channel (``simulation.runtime.ray.channel``): ``open_channel``
starts a thread that accepts the driver's connection and answers each window
message with ``step``. A lock keeps a window and a Ray call that touches the LPs
(``restore``, ``finish``) from running at once. An error raised by an LP goes
back to the driver in the answer, which raises it there.

In a persisted batch run the host's LPs' rows are written beside it, by a process it
starts (``simulation.runtime.ray.row_writer``), through a connection of its own: they
never travel to the driver. At a checkpoint window it
writes every row so far before answering, and a restore records the replayed windows'
rows again, so a recovery leaves the same rows as a run without one.
"""

from __future__ import annotations

import os
import pickle
import socket
import threading
import traceback
import uuid
from dataclasses import dataclass
from typing import Any

from simulation.processes.base import WindowResult
from simulation.processes.layout import LpSpec
from simulation.run_store import RowsTarget
from simulation.runtime import gc_tuning
from simulation.runtime.build import build_lp
from simulation.runtime.checkpoints import Window, revive, timed_snapshots
from simulation.runtime.ray import channel as ray_channel
from simulation.runtime.ray.row_writer import RowWriter


@dataclass(slots=True)
class HostAnswer:
    incarnation: str
    results: dict[int, WindowResult] | None  # None: stale or failed, nothing was computed
    states: dict[int, bytes] | None = None  # snapshots, at checkpoint windows
    snapshot_s: float = 0.0
    error: BaseException | None = None  # what an LP raised, for the driver to raise

    @property
    def stale(self) -> bool:
        return self.results is None and self.error is None


def pack(value: Any) -> bytes:
    """A window's inboxes or answer as bytes for Ray to carry.

    Ray pickles call arguments and results with cloudpickle's pure-Python
    pickler, which cost ~0.3 ms a call here; the C pickler does the same work in
    a fraction of that, and Ray passes bytes through as they are. Everything sent
    is a plain module-level class, so the C pickler can take it.
    """
    return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)


class LpHost:
    def __init__(self, specs: list[LpSpec], rows: RowsTarget | None = None) -> None:
        gc_tuning.for_worker()  # this process only hosts LPs
        ordered = sorted(specs, key=lambda s: s.index)
        self.specs = {spec.index: spec for spec in ordered}
        self.lps = {spec.index: build_lp(spec) for spec in ordered}
        # A persisted batch run's rows, written from here (None: they go to the driver).
        self.rows = RowWriter(rows) if rows is not None else None
        # Not keyed randomness: this id names a state of the LPs, never a simulated event.
        self.incarnation = uuid.uuid4().hex
        self._lock = threading.Lock()  # the LPs and their incarnation: one user at a time
        self._listener: socket.socket | None = None

    def hello(self) -> tuple[str, int]:
        """This incarnation's id and its worker's pid (tests kill it with a signal)."""
        return self.incarnation, os.getpid()

    def open_channel(self, authkey: bytes) -> tuple[str, int]:
        """Listen for the driver's windows on a port of this node; answer the address."""
        if self._listener is None:
            import ray

            node_ip: str = ray.util.get_node_ip_address()  # type: ignore[no-untyped-call]
            self._listener = ray_channel.listen(node_ip)
            threading.Thread(
                target=ray_channel.serve,
                args=(self._listener, authkey, self.step),
                name="invoicesim-channel",
                daemon=True,
            ).start()
        host, port = self._listener.getsockname()[:2]
        return str(host), int(port)

    def step(self, payload: bytes) -> bytes:
        """One window: ``payload`` is ``pack((incarnation, windows, snapshot))``, windows
        (until, inbox) by LP.

        It comes over the channel, or as a Ray call from a driver that cannot reach it.
        Never raises: what an LP raised is answered (``HostAnswer.error``).
        """
        try:
            incarnation, windows, snapshot = pickle.loads(payload)
            return self._advance(incarnation, windows, snapshot)
        except Exception as error:
            return _failure(self.incarnation, error)

    def _advance(self, incarnation: str, windows: dict[int, Window], snapshot: bool) -> bytes:
        with self._lock:
            if incarnation != self.incarnation:
                return pack(HostAnswer(self.incarnation, None))
            lps, rows = self.lps, self.rows
            results = {
                i: lps[i].advance(until, inbox) for i, (until, inbox) in sorted(windows.items())
            }
            if rows is not None:
                for result in results.values():
                    if result.records:
                        rows.add(result.records)
                        result.records = None  # written from here: not sent to the driver
            if not snapshot:
                return pack(HostAnswer(self.incarnation, results))
            if rows is not None:
                rows.write_all()  # a recovery replays no window before this one
            states, spent_s = timed_snapshots(lps.values())
        return pack(HostAnswer(incarnation, results, states, spent_s))

    def restore(self, replays: dict[int, tuple[bytes | None, list[Window]]]) -> tuple[str, int]:
        """Bring every LP back from its checkpoint and logged windows, as a new incarnation
        (a window sent before is then stale); answers ``hello``."""
        with self._lock:
            rows = self.rows
            if rows is not None:
                rows.discard()  # from windows being replayed: recorded again below
            record = rows.add if rows is not None else None
            for i, (state, windows) in replays.items():
                self.lps[i] = revive(self.specs[i], state, windows, record)
            self.incarnation = uuid.uuid4().hex
        return self.hello()

    def finish(self, incarnation: str) -> tuple[list[dict[str, Any]], dict[str, int]] | None:
        """Every LP's summary, and the rows this host wrote by table (once the rest is
        written); None from an incarnation the driver does not know."""
        import ray

        node = str(ray.get_runtime_context().get_node_id())
        with self._lock:
            if incarnation != self.incarnation:
                return None
            written = self.rows.close() if self.rows is not None else {}
            self.rows = None
            summaries = [{**s, "node_id": node} for lp in self.lps.values() for s in lp.summaries()]
            return summaries, written


def _failure(incarnation: str, error: Exception) -> bytes:
    """An answer that carries ``error`` (with this host's traceback) to the driver."""
    error.add_note(f"raised in a Ray host (pid {os.getpid()}):\n{traceback.format_exc()}")
    try:
        return pack(HostAnswer(incarnation, None, error=error))
    except Exception:  # an error that cannot be pickled: its text still travels
        text = "".join(traceback.format_exception(error))
        return pack(HostAnswer(incarnation, None, error=RuntimeError(text)))

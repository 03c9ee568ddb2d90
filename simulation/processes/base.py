"""The logical-process base: a timer queue, an inbox, an outbox, a digest.

A logical process (LP) owns some entities and their local timers. The
coordinator calls ``advance(until, inbox)`` once per window; the LP handles
the inbox messages at their delivery times, runs its timers up to ``until``
(exclusive) and returns the messages it sent. Anything it sends is delivered
no earlier than one lookahead later, which is what makes windows exact. The
same class runs in-process or as a Ray actor.

Between windows an LP can be saved (``snapshot``) and brought back
(``restore``) for crash recovery: its whole state, timers included, pickled
with cloudpickle, which also pickles the lambdas and partials in the timer
heap. The digest is therefore a chain of plain bytes rather than a live
hashlib object (those cannot be pickled): each window's event lines are kept
and hashed once, at the window's end, after the previous window's digest.

The timers are a plain heap of ``(time, sequence, action)``: every local event
of the simulation is "call this at that time", so SimPy's processes, event
objects and callback lists would be pure overhead on the hot path (several
timers per invoice). The order is SimPy's: by time, then by scheduling order.
A window's messages take their place in that order as if scheduled when the
window began, but those due within the window are merged with the heap rather
than pushed through it (``_run``).
"""

from __future__ import annotations

import copyreg
import hashlib
import io
import pickle
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from heapq import heappop, heappush
from itertools import count
from operator import itemgetter
from typing import Any

import cloudpickle

from actors.errors import InputError, InvariantViolation, InvoicesimError
from simulation.processes.bulk_progress import JobShare
from simulation.processes.messages import COMMAND_SOURCE, Envelope, Request

Timer = tuple[float, int, Callable[[], None]]


@dataclass(slots=True)
class WindowResult:
    """What an LP hands back after a window."""

    outbox: list[tuple[int, Envelope]]  # (destination LP index, envelope)
    next_at: float | None  # its next local event, None when idle
    open_items: int = 0  # invoices not yet terminal (shards only)
    progress: dict[str, int] = field(default_factory=dict)
    rows: list[tuple[Any, ...]] = field(default_factory=list)  # finished invoices
    records: dict[str, list[tuple[Any, ...]]] | None = None  # table -> rows, when persisting
    replies: list[tuple[int, Any]] | None = None  # (request token, result or error), live runs
    bulk: dict[int, JobShare] | None = None  # a shard's shares of bulk jobs that changed
    in_flight: int = 0  # a cell's messages among its members still on their way


class LogicalProcess:
    """Base class; subclasses implement ``receive`` and may override ``after_window``."""

    def __init__(self, index: int, name: str, lookahead_s: float, start_s: float = 0.0) -> None:
        self.index = index
        self.name = name
        self.lookahead_s = lookahead_s
        # Simulated time of the event being handled (or the last window's end); a run with
        # a history starts before 0.
        self.now = start_s
        self._timers: list[Timer] = []
        self._timer_seq = count()
        self._outbox: list[tuple[int, Envelope]] = []
        # Rows for the database, per table (None: this run is not persisted).
        self.records: dict[str, list[tuple[Any, ...]]] | None = None
        self._seq = 0
        # The digest chain: the last window's digest, and this window's event lines.
        self._chain = b""
        self._lines: list[str] = []
        self._until = start_s
        self._replies: list[tuple[int, Any]] = []

    def call_at(self, at: float, action: Callable[[], None]) -> None:
        """Run ``action`` at exactly simulated time ``at`` (never in the past).

        The time is stored as given, never as ``now + delay``: (at - now) + now
        is not always ``at`` in floating point, and a TTL timer could then fire
        a hair before the TTL.
        """
        if at < self.now:
            raise InvariantViolation(f"{self.name}: timer at {at} is in the past ({self.now})")
        heappush(self._timers, (at, next(self._timer_seq), action))

    def send(self, dst: int, at: float, payload: object) -> None:
        # Conservative synchronisation: a message may never land inside the current window.
        if at < self._until - 1e-9:
            raise InvariantViolation(
                f"{self.name}: message for {at:.6f} lands inside the window ending "
                f"{self._until:.6f}; delays must be >= the lookahead {self.lookahead_s}"
            )
        self._seq += 1
        self._outbox.append((dst, (at, self.index, self._seq, payload)))

    def log_event(self, line: str) -> None:
        """Add one canonical event line to this LP's digest (kept until the window ends)."""
        self._lines.append(line)

    def _hashed(self) -> Any:
        """The chain so far: the last window's digest, then this window's lines."""
        lines = self._lines
        text = "\n".join(lines) + "\n" if lines else ""
        return hashlib.sha256(self._chain + text.encode())

    def digest(self) -> str:
        return str(self._hashed().hexdigest())

    def advance(self, until: float, inbox: list[Envelope]) -> WindowResult:
        self._until = until
        inbox.sort(key=_ENVELOPE_ORDER)
        if inbox and inbox[0][0] < self.now:
            raise InvariantViolation(
                f"{self.name}: message at {inbox[0][0]} is in the past ({self.now})"
            )
        self._run(until, inbox)
        self.after_window(until)
        outbox, self._outbox = self._outbox, []
        records = self.records
        if records:
            # The same dict stays in place (helpers hold it); its content is handed over.
            records, handed = {}, records
            records.update(handed)
            handed.clear()
        replies = None
        if self._replies:
            replies, self._replies = self._replies, []
        # One hash per window (not one update per event) keeps the state plain bytes.
        self._chain = self._hashed().digest()
        self._lines = []
        return WindowResult(
            outbox,
            self.next_local(),
            self.open_items(),
            self.progress(),
            self.take_rows(),
            records or None,
            replies,
            self.take_bulk_changes(),
        )

    def _run(self, until: float, inbox: list[Envelope]) -> None:
        """Deliver the messages and fire the timers due before ``until``, in order.

        Each message takes the timer sequence numbers after every timer already set,
        as if scheduled when the window began, so ties go as they would through the
        heap. The messages due in this window (most of them) are merged with the
        heap instead of passing through it; later ones wait in the heap.
        """
        start = self.now
        timers = self._timers
        n = len(inbox)
        base = next(self._timer_seq)
        self._timer_seq = count(base + n)
        j = 0
        if until > start:
            # The window's end is computed as start + (until - start), which may differ
            # from ``until`` in the last bit: that is where the SimPy engine this loop
            # replaces stopped, and keeping it keeps every window edge, and so every
            # run, bit-identical to the runs recorded before.
            end = start + (until - start)
            receive = self.receive
            while j < n:
                at, src, _seq, payload = inbox[j]
                if at >= end:
                    break
                while timers and (
                    timers[0][0] < at or (timers[0][0] == at and timers[0][1] < base)
                ):
                    t_at, _, action = heappop(timers)
                    self.now = t_at
                    action()
                self.now = at
                if src == COMMAND_SOURCE:
                    self._request(payload)  # type: ignore[arg-type]
                else:
                    receive(payload, src)
                j += 1
            while timers and timers[0][0] < end:
                t_at, _, action = heappop(timers)
                self.now = t_at
                action()
            self.now = end
        for k in range(j, n):
            at, src, _seq, payload = inbox[k]
            later: Callable[[], None] = (
                partial(self._request, payload)  # type: ignore[arg-type]
                if src == COMMAND_SOURCE
                else partial(self.receive, payload, src)
            )
            heappush(timers, (at, base + k, later))

    def receive(self, payload: Any, src: int) -> None:
        raise NotImplementedError

    def summaries(self) -> list[dict[str, Any]]:
        """What the run's report and digest take from this LP at the end (``finish``): one
        summary, or a cell's one per member."""
        return [self.finish()]

    # ---- checkpoints ---------------------------------------------------------------
    def snapshot(self) -> bytes:
        """The whole state of this LP, between two windows (never inside one)."""
        buffer = io.BytesIO()
        _Pickler(buffer).dump(self)
        return buffer.getvalue()

    @staticmethod
    def restore(state: bytes) -> LogicalProcess:
        lp = pickle.loads(state)
        if not isinstance(lp, LogicalProcess):
            raise InvariantViolation(f"a checkpoint holds a {type(lp).__name__}, not an LP")
        return lp

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        # The timer counter goes as its next value (counters stop pickling in 3.14).
        next_seq = next(self._timer_seq)
        self._timer_seq = count(next_seq)
        state["_timer_seq"] = next_seq
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._timer_seq = count(state["_timer_seq"])

    def _request(self, request: Request) -> None:
        """A command from outside (a live run): answered with a result or an error."""
        try:
            result: Any = self.command(request.command)
        except InvoicesimError as error:
            result = error  # a refused command is an answer, not a crash of the LP
        self._replies.append((request.token, result))

    def command(self, command: Any) -> Any:
        """Hook: carry out a command (``simulation.commands``) and return its result."""
        raise InputError(f"{self.name} does not take {type(command).__name__} commands")

    def next_local(self) -> float | None:
        """When this LP next has something to do on its own (None: only when messaged).

        The coordinator starts the next window at the earliest of these and of the
        messages in flight, so stretches where nothing happens cost nothing.
        """
        timers = self._timers
        return timers[0][0] if timers else None

    def after_window(self, until: float) -> None:
        """Hook: flush what accumulated during the window."""

    def open_items(self) -> int:
        return 0

    def take_rows(self) -> list[tuple[Any, ...]]:
        return []

    def progress(self) -> dict[str, int]:
        return {}

    def take_bulk_changes(self) -> dict[int, JobShare] | None:
        """Shares of bulk jobs that changed in the window (shards only)."""
        return None

    def finish(self) -> dict[str, Any]:
        """Final summary for the report (called once, after the last window)."""
        return {"name": self.name, "digest": self.digest()}


class _Pickler(cloudpickle.Pickler):  # type: ignore[misc]
    """cloudpickle with its dispatch table as one plain dict.

    cloudpickle chains its table before copyreg's (a ``ChainMap``): every object not
    found in it costs a Python-level miss, which made a provider's snapshot (6,000
    idempotency keys) 2.5 times slower than with a dict the C pickler reads directly.
    """

    def __init__(self, file: io.BytesIO) -> None:
        # Set before the base __init__, which is where the C pickler reads it.
        self.dispatch_table = {**copyreg.dispatch_table, **cloudpickle.Pickler._dispatch_table}
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)


# Delivery order: (time, source, sequence), unique per message, so payloads are never compared.
_ENVELOPE_ORDER = itemgetter(0, 1, 2)

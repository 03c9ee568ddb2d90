"""The logical-process base: a SimPy environment, an inbox, an outbox, a digest.

A logical process (LP) owns some entities and their local timers. The
coordinator calls ``advance(until, inbox)`` once per window; the LP schedules
the inbox messages at their delivery times, runs its SimPy environment to
``until`` (exclusive) and returns the messages it sent. Anything it sends is
delivered no earlier than one lookahead later, which is what makes windows
exact. The same class runs in-process or as a Ray actor.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from heapq import heappush
from typing import Any

import simpy
from simpy.events import NORMAL, Event

from actors.errors import InvariantViolation
from simulation.messages import Envelope


@dataclass(slots=True)
class WindowResult:
    """What an LP hands back after a window."""

    outbox: list[tuple[int, Envelope]]  # (destination LP index, envelope)
    next_at: float | None  # its next local event, None when idle
    open_items: int = 0  # invoices not yet terminal (shards only)
    progress: dict[str, int] = field(default_factory=dict)
    rows: list[tuple[Any, ...]] = field(default_factory=list)  # finished invoices


class LogicalProcess:
    """Base class; subclasses implement ``receive`` and may override ``after_window``."""

    def __init__(self, index: int, name: str, lookahead_s: float) -> None:
        self.index = index
        self.name = name
        self.lookahead_s = lookahead_s
        self.env = simpy.Environment()
        self._outbox: list[tuple[int, Envelope]] = []
        self._seq = 0
        self._digest = hashlib.sha256()
        self._until = 0.0

    @property
    def now(self) -> float:
        return float(self.env.now)

    def call_at(self, at: float, action: Callable[[], None]) -> None:
        """Run ``action`` at exactly simulated time ``at`` (never in the past).

        SimPy's ``Timeout`` adds a delay to ``now``, and (at - now) + now is not
        always ``at`` in floating point; a TTL timer could then fire a hair
        before the TTL. So the event goes into the queue at ``at`` itself,
        exactly as ``Environment.schedule`` would put it there.
        """
        env = self.env
        if at < env._now:
            raise InvariantViolation(f"{self.name}: timer at {at} is in the past ({self.now})")
        event = Event(env)
        event._ok = True
        event._value = None
        event.callbacks.append(lambda _event: action())
        heappush(env._queue, (at, NORMAL, next(env._eid), event))

    def send(self, dst: int, at: float, payload: object) -> None:
        # Conservative synchronisation: a message may never land inside the current window.
        if at < self._until - 1e-9:
            raise InvariantViolation(
                f"{self.name}: message for {at:.6f} lands inside the window ending "
                f"{self._until:.6f}; delays must be >= the lookahead {self.lookahead_s}"
            )
        self._seq += 1
        self._outbox.append((dst, (at, self.index, self._seq, payload)))

    def record(self, line: str) -> None:
        """Add one canonical event line to this LP's digest (streamed, never stored)."""
        self._digest.update(line.encode())
        self._digest.update(b"\n")

    def digest(self) -> str:
        return self._digest.hexdigest()

    def advance(self, until: float, inbox: list[Envelope]) -> WindowResult:
        env = self.env
        self._until = until
        inbox.sort(key=_envelope_key)
        for at, src, _seq, payload in inbox:
            self.call_at(at, _Delivery(self, payload, src))
        if until > env.now:
            env.run(until=until)
        self.after_window(until)
        outbox, self._outbox = self._outbox, []
        return WindowResult(
            outbox, self.next_local(), self.open_items(), self.progress(), self.take_rows()
        )

    def receive(self, payload: Any, src: int) -> None:
        raise NotImplementedError

    def next_local(self) -> float | None:
        """When this LP next has something to do on its own (None: only when messaged)."""
        peek = self.env.peek()
        return None if peek == float("inf") else float(peek)

    def after_window(self, until: float) -> None:
        """Hook: flush what accumulated during the window."""

    def open_items(self) -> int:
        return 0

    def take_rows(self) -> list[tuple[Any, ...]]:
        return []

    def progress(self) -> dict[str, int]:
        return {}

    def finish(self) -> dict[str, Any]:
        """Final summary for the report (called once, after the last window)."""
        return {"name": self.name, "digest": self.digest()}


class _Delivery:
    __slots__ = ("lp", "payload", "src")

    def __init__(self, lp: LogicalProcess, payload: object, src: int) -> None:
        self.lp = lp
        self.payload = payload
        self.src = src

    def __call__(self) -> None:
        self.lp.receive(self.payload, self.src)


def _envelope_key(envelope: Envelope) -> tuple[float, int, int]:
    return envelope[0], envelope[1], envelope[2]

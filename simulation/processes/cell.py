"""A cell: one shard and its partitions of the providers, advanced as one LP.

A shard talks only to its own partitions of the providers and they answer only
it (``Layout``); what leaves the cell goes to the reserve, which sends nothing
back. So a cell needs no one else to advance: given a window [start, until) of
any length, it runs its members in windows of one lookahead inside it, routing
their messages among themselves, and hands back what is for the reserve. The
coordinator's windows can then be long (seconds of simulated time: one call per
cell instead of one per lookahead), and the cells run side by side.

Runtimes, checkpoints and recovery see a cell as one LP: it is built, pickled,
restored and replayed whole, members, timers and the messages among them still
due included. The coordinator addresses a member from outside (a command) by
wrapping the payload in ``Addressed``.
"""

from __future__ import annotations

from typing import Any

from actors.errors import InvariantViolation
from simulation.processes.base import LogicalProcess, WindowResult
from simulation.processes.bulk_progress import JobShare
from simulation.processes.layout import LpSpec
from simulation.processes.messages import Addressed, Envelope


class CellLP(LogicalProcess):
    """The members (built from ``spec.members``) in LP order, and their inner windows."""

    def __init__(self, spec: LpSpec, members: list[LogicalProcess]) -> None:
        super().__init__(spec.index, spec.name, spec.layout.lookahead_s, spec.scenario.start_s)
        self.members = {lp.index: lp for lp in sorted(members, key=lambda lp: lp.index)}
        # Each member's messages not yet handed to it, its next event, its open invoices.
        self._pending: dict[int, list[Envelope]] = {i: [] for i in self.members}
        self._next: dict[int, float | None] = {i: spec.scenario.start_s for i in self.members}
        self._open: dict[int, int] = {i: 0 for i in self.members}
        self._progress: dict[str, int] = {}

    def advance(self, until: float, inbox: list[Envelope]) -> WindowResult:
        pending = self._pending
        for at, src, seq, payload in inbox:
            if type(payload) is not Addressed:
                raise InvariantViolation(f"{self.name}: a message for no member ({payload!r})")
            pending[payload.dst].append((at, src, seq, payload.payload))
        out = _Gathered()
        lookahead, members, next_at = self.lookahead_s, self.members, self._next
        while True:
            start = self._earliest()
            if start is None or start >= until:
                break
            end = min(start + lookahead, until)
            busy = [i for i in members if pending[i] or ((t := next_at[i]) is not None and t < end)]
            results = []
            for i in busy:
                inbox_i, pending[i] = pending[i], []
                results.append((i, members[i].advance(end, inbox_i)))
            for i, result in results:  # routed once every busy member has run, as windows are
                next_at[i] = result.next_at
                self._open[i] = result.open_items
                if result.progress:
                    self._progress = result.progress
                for dst, envelope in result.outbox:
                    if dst in pending:
                        pending[dst].append(envelope)
                    else:
                        out.outbox.append((dst, envelope))
                out.add(result)
        self.now = until
        return WindowResult(
            out.outbox,
            self._earliest(),
            sum(self._open.values()),
            dict(self._progress),
            out.rows,
            out.records or None,
            out.replies or None,
            out.bulk or None,
            sum(len(box) for box in pending.values()),
        )

    def _earliest(self) -> float | None:
        best: float | None = None
        for t in self._next.values():
            if t is not None and (best is None or t < best):
                best = t
        for box in self._pending.values():
            for envelope in box:
                if best is None or envelope[0] < best:
                    best = envelope[0]
        return best

    def log_event(self, line: str) -> None:
        """A line for the digest of the cell's shard (tests mark a revived cell so)."""
        shard = next(lp for lp in reversed(self.members.values()))
        shard.log_event(line)

    def digest(self) -> str:
        return "".join(lp.digest() for lp in self.members.values())

    def summaries(self) -> list[dict[str, Any]]:
        return [s for lp in self.members.values() for s in lp.summaries()]

    def finish(self) -> dict[str, Any]:
        raise InvariantViolation(f"{self.name}: a cell's summaries are its members'")


class _Gathered:
    """What a cell's members handed back over one of its windows, together."""

    def __init__(self) -> None:
        self.outbox: list[tuple[int, Envelope]] = []
        self.rows: list[tuple[Any, ...]] = []
        self.records: dict[str, list[tuple[Any, ...]]] = {}
        self.replies: list[tuple[int, Any]] = []
        self.bulk: dict[int, JobShare] = {}

    def add(self, result: WindowResult) -> None:
        self.rows.extend(result.rows)
        if result.records:
            for table, rows in result.records.items():
                self.records.setdefault(table, []).extend(rows)
        if result.replies:
            self.replies.extend(result.replies)
        if result.bulk:
            self.bulk.update(result.bulk)

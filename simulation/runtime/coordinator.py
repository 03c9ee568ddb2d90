"""The coordinator: advances every logical process in lock-step windows.

Conservative parallel discrete-event simulation. The LPs the runtime hosts are
the cells (a shard and its partitions of the providers, ``CellLP``) and the
reserve. A cell runs windows [start, start + L) of its own, L the lookahead (the
smallest delay of any message between LPs, so nothing sent inside a window can
be due inside it). Cells exchange nothing, and the reserve sends nothing back,
so the coordinator's windows can be longer: ``Layout.coordinator_window_s`` on
the virtual clock, L on a paced one. In each, every busy cell advances to its end
(side by side), and beside them the reserve to the last window's end, with what
they sent it for then (it trails by a window). The next window starts at the
earliest pending event or message (empty stretches are skipped). Each window
costs one call to every busy LP, not one per invoice.

The window loop is a SimPy process. Its clock is the run's clock: a plain
``simpy.Environment`` for virtual time (as fast as possible), or a
``simpy.rt.RealtimeEnvironment`` for paced time (simulated time runs at
``speed`` times the wall clock; the environment sleeps until each window's
end is due). In paced mode the drift between where the simulation is and where
the wall clock says it should be is measured and reported, never hidden.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import simpy
import simpy.rt

from actors.invoice_ids import InvoiceIds
from simulation.processes.base import WindowResult
from simulation.processes.bulk_progress import BulkBoard, JobShare
from simulation.processes.layout import Layout
from simulation.processes.messages import Addressed, Envelope
from simulation.runtime.checkpoints import Window
from simulation.runtime.interface import Runtime

if TYPE_CHECKING:  # a live run's store; the coordinator never opens one
    from simulation.run_store import RunStore

Progress = Callable[[float, dict[str, int]], None]

# A command enters a microsecond after the simulated time at which it was taken: an LP's
# clock may stand a rounding error past the last window's end, never that far.
COMMAND_DELAY_S = 1e-6


class LiveHooks(Protocol):
    """How a live (paced) run takes commands from outside and hands back their answers."""

    tick_s: float  # simulated seconds at most between two looks at the clock
    wall_start: float  # time.monotonic() at simulated time 0, set by started()

    def wait(self, timeout_s: float) -> None:
        """Block up to ``timeout_s`` wall seconds; return at once when a command arrives
        (or the run is asked to stop)."""
        ...

    def begin_paced(self) -> None:
        """Simulated t=0 is now (after a history, if any): the wall clock starts here."""
        ...

    def started(
        self,
        *,
        run_id: str | None,
        layout: Layout,
        board: BulkBoard,
        ids: InvoiceIds,
        store: RunStore | None,
    ) -> None:
        """The run is set up: its id, its LPs, its bulk jobs so far, its database side."""
        ...

    def take(self, at: float) -> list[tuple[int, Envelope]]:
        """Commands that arrived since the last call, as envelopes due at ``at``."""
        ...

    def answer(self, replies: list[tuple[int, Any]]) -> None:
        """The LPs' replies (request token, result or error) of the last window."""
        ...

    def clock(self, now: float, windows: int) -> None:
        """Called after every window and every idle tick with the simulated time."""
        ...


Sink = Callable[[list[tuple[Any, ...]]], None]  # finished invoices' rows (invoices.csv)
Record = Callable[[dict[str, list[tuple[Any, ...]]]], None]  # database rows by table


@dataclass(frozen=True, slots=True, kw_only=True)
class WindowPlan:
    """What the window loop runs: until when, on which clock, losing which LPs when."""

    duration_s: float  # the scenario's end: no new load after it
    hard_end_s: float  # the drain limit: the loop stops here whatever is still open
    speed: float | None = None  # simulated seconds per wall second; None: virtual time
    crashes: Sequence[tuple[float, int]] = ()  # (start_s, LP index): actor_crash faults
    # Where simulated time starts: before 0 for a history, which runs on the virtual clock
    # whatever the run's own clock; the paced part starts at 0.
    start_s: float = 0.0


@dataclass(frozen=True, slots=True, kw_only=True)
class WindowHooks:
    """Who hears from the loop, and who may stop it; every one optional."""

    progress: Progress | None = None
    should_stop: Callable[[], bool] | None = None
    sink: Sink | None = None
    record: Record | None = None
    live: LiveHooks | None = None  # a live (paced) run's commands
    bulk: Callable[[int, dict[int, JobShare]], None] | None = None  # shares that changed


@dataclass
class WindowStats:
    windows: int = 0
    sim_end_s: float = 0.0
    wall_s: float = 0.0
    drift_max_s: float = 0.0
    drift_mean_s: float = 0.0
    stopped_by: str = ""
    summaries: list[dict[str, Any]] = field(default_factory=list)
    checkpoints: dict[str, Any] = field(default_factory=dict)  # counts, sizes, recoveries

    def digest(self) -> str:
        """The run's digest: the digests of every LP, in LP order."""
        h = hashlib.sha256()
        for summary in self.summaries:
            h.update(f"{summary['name']}:{summary['digest']}\n".encode())
        return h.hexdigest()


def run_windows(
    runtime: Runtime, layout: Layout, plan: WindowPlan, hooks: WindowHooks | None = None
) -> WindowStats:
    """Advance until the scenario ends and every invoice is finished (or ``hard_end_s``).

    With ``hooks.live`` (paced runs only) the loop also takes commands from outside,
    and paces itself (see ``_WindowLoop.run_live``) so that a command is carried out
    as soon as it arrives, not at the end of a window already under way. The runtime
    loses the LP of each of ``plan.crashes`` before the first window starting at or
    after its start_s (the ``actor_crash`` fault).
    """
    hooks = hooks or WindowHooks()
    live, speed = hooks.live, plan.speed
    if live is not None and speed is None:
        raise ValueError("a live run needs a paced clock (speed)")
    loop = _WindowLoop(runtime, layout, plan, hooks)
    wall_start = time.perf_counter()
    if plan.start_s < 0:
        history = simpy.Environment(initial_time=plan.start_s)
        history.run(until=history.process(loop.run(history, end_s=0.0)))
    if live is not None:
        live.begin_paced()
    env: simpy.Environment
    if speed is None or live is not None:
        env = simpy.Environment()  # virtual, or a live run that paces itself
    else:
        # strict=False: a window that takes longer than its wall time is drift, not a crash.
        env = simpy.rt.RealtimeEnvironment(factor=1.0 / speed, strict=False)
    if loop.stats.stopped_by == "":
        env.run(until=env.process(loop.run(env) if live is None else loop.run_live(env)))
    loop.catch_up()
    stats = loop.stats
    stats.wall_s = time.perf_counter() - wall_start
    if stats.windows:
        stats.drift_mean_s = loop.drift_sum / stats.windows
    stats.summaries = runtime.finish()
    stats.checkpoints = runtime.checkpoints.summary()
    return stats


class _WindowLoop:
    def __init__(
        self, runtime: Runtime, layout: Layout, plan: WindowPlan, hooks: WindowHooks
    ) -> None:
        self.runtime, self.layout = runtime, layout
        self.duration_s, self.hard_end_s = plan.duration_s, plan.hard_end_s
        self.progress, self.should_stop = hooks.progress, hooks.should_stop
        self.sink, self.record, self.bulk = hooks.sink, hooks.record, hooks.bulk
        n = layout.size
        # Only the LPs the runtime hosts have a clock here: the cells and the reserve.
        self.next_at: list[float | None] = [
            plan.start_s if layout.unit_of(i) == i else None for i in range(n)
        ]
        self.open_items = [0] * n
        self.in_flight = [0] * n  # messages on their way inside each cell
        self.inboxes: list[list[Envelope]] = [[] for _ in range(n)]
        self.totals: dict[int, tuple[int, int]] = {}
        self.stats = WindowStats()
        self.speed = plan.speed
        self.drift_sum = 0.0
        self.live = hooks.live
        self.crashes = sorted(plan.crashes, reverse=True)  # the next one last, popped when due
        # Where a message for LP i goes: the LP the runtime hosts that holds it. A cell's
        # members (a shard and its partitions) are reached through the cell, addressed.
        self.unit_of = [layout.unit_of(i) for i in range(n)]
        self.cells = frozenset(layout.shards)
        self.cell_units = sorted(self.cells)
        self.reserve = layout.reserve
        self.reserve_until: float | None = None  # the end of the window the reserve trails

    def _stop_reason(self, start: float | None) -> str | None:
        if start is None:
            return "no more events"
        if start >= self.duration_s and not any(self.inboxes) and not self._busy_inside():
            return "scenario over, every invoice finished"
        if start >= self.hard_end_s:
            return "drain limit reached"
        if self.should_stop is not None and self.should_stop():
            return "stopped"
        return None

    def _busy_inside(self) -> bool:
        """Whether an invoice is still open or a message still on its way in a cell."""
        return sum(self.open_items) > 0 or sum(self.in_flight) > 0

    def _live_stop_reason(self, now: float) -> str | None:
        if self.should_stop is not None and self.should_stop():
            return "stopped"
        if now >= self.duration_s and not any(self.inboxes) and not self._busy_inside():
            return "scenario over, every invoice finished"
        if now >= self.hard_end_s:
            return "drain limit reached"
        return None

    def run(
        self, env: simpy.Environment, end_s: float | None = None
    ) -> Generator[simpy.Event, Any, None]:
        """The SimPy process: one iteration per window; empty stretches are skipped. With
        ``end_s`` (a history), it returns once the next window would start there. On the
        virtual clock a window is ``Layout.coordinator_window_s`` long (each cell runs its
        own windows of one lookahead inside it); paced, one lookahead."""
        paced = isinstance(env, simpy.rt.RealtimeEnvironment)
        window = self.layout.lookahead_s if paced else self.layout.coordinator_window_s
        while True:
            start = _earliest(self.next_at, self.inboxes)
            if end_s is not None and (start is None or start >= end_s):
                if env.now < end_s:
                    yield env.timeout(end_s - env.now)
                return
            reason = self._stop_reason(start)
            if reason is not None:
                self.stats.stopped_by = reason
                return
            assert start is not None
            until = start + window
            self._advance(start, until)
            if until > env.now:
                # Virtual: instant. Paced: the environment waits for the wall clock.
                yield env.timeout(until - env.now)
            if isinstance(env, simpy.rt.RealtimeEnvironment):  # paced (not a history)
                self._drift(time.monotonic() - (env.real_start + until * env.factor))
            self._progress(until)

    def run_live(self, env: simpy.Environment) -> Generator[simpy.Event, Any, None]:
        """The SimPy process of a live run, which paces itself on a virtual clock.

        A window is carried out once the wall clock has reached its end (events are
        handled at most one lookahead late), so the logical processes never stand
        ahead of the wall clock while nothing happens. A command wakes the loop: it
        enters at the wall clock's time and is carried out in a window that starts at
        once, so its answer waits for one window's work, not for the clock. Such a
        window ends at most one lookahead past the wall clock (commands arriving back
        to back cannot run the simulation ahead of time).
        """
        live, speed = self.live, self.speed
        assert live is not None and speed is not None
        lookahead = self.layout.lookahead_s
        wall_start = live.wall_start

        def wall_now() -> float:  # where the simulation should be by the wall clock
            return (time.monotonic() - wall_start) * speed

        while True:
            reason = self._live_stop_reason(env.now)
            if reason is not None:
                self.stats.stopped_by = reason
                return
            start = _earliest(self.next_at, self.inboxes)
            due = env.now + live.tick_s
            if start is not None:
                due = min(due, start + lookahead)
            wait = (due - wall_now()) / speed
            if wait > 0:
                live.wait(wait)
            now = max(env.now, wall_now())
            commands = live.take(now + COMMAND_DELAY_S)
            if commands:
                for dst, envelope in commands:
                    self._deliver(dst, envelope)
                start = _earliest(self.next_at, self.inboxes)
            if start is None or (not commands and start + lookahead > now):
                # Nothing to carry out yet: time passes without a window.
                if now > env.now:
                    yield env.timeout(now - env.now)
                live.clock(env.now, self.stats.windows)
                continue
            until = start + lookahead
            if commands:  # not past one lookahead ahead of the wall clock
                until = min(until, max(wall_now() + lookahead, now + 2 * COMMAND_DELAY_S))
            self._advance(start, until)
            if until > env.now:
                yield env.timeout(until - env.now)
            self._drift(time.monotonic() - wall_start - until / speed)
            live.clock(until, self.stats.windows)
            self._progress(until)

    def _advance(self, start: float, until: float) -> None:
        """Lose the LPs whose crash is due, then carry out the window [start, until)."""
        crashes = self.crashes
        while crashes and crashes[-1][0] <= start:
            self.runtime.crash(crashes.pop()[1])
        self._window(until)

    def _drift(self, behind_s: float) -> None:
        drift = max(0.0, behind_s)
        self.drift_sum += drift
        self.stats.drift_max_s = max(self.stats.drift_max_s, drift)

    def _progress(self, until: float) -> None:
        if self.progress is not None:
            created = sum(c for c, _ in self.totals.values())
            done = sum(d for _, d in self.totals.values())
            self.progress(until, {"created": created, "done": done, "open": sum(self.open_items)})

    def _deliver(self, dst: int, envelope: Envelope) -> None:
        unit = self.unit_of[dst]
        if unit in self.cells:
            at, src, seq, payload = envelope
            envelope = (at, src, seq, Addressed(dst, payload))
        self.inboxes[unit].append(envelope)

    def _busy(self, until: float, indexes: Sequence[int]) -> dict[int, list[Envelope]]:
        """The LPs among ``indexes`` that have something to do before ``until``, with the
        messages due before it (taken: the LPs get them now). Later ones stay here, where
        the loop sees them: a run is not over while a message is on its way."""
        inboxes, next_at = self.inboxes, self.next_at
        busy: dict[int, list[Envelope]] = {}
        for i in indexes:
            inbox, t = inboxes[i], next_at[i]
            due = [e for e in inbox if e[0] < until] if inbox else inbox
            if due or (t is not None and t < until):
                busy[i] = due
                inboxes[i] = [e for e in inbox if e[0] >= until] if len(due) < len(inbox) else []
        return busy

    def _window(self, until: float) -> None:
        """One window, in one call: every busy cell (a shard and its partitions of the
        providers) advances to ``until``; beside them, the reserve advances to the last
        window's end, with what the cells sent it for before then (all of it is in: a
        message is due a lookahead after it is sent at the earliest). Nothing goes from
        the reserve to a cell, so it may trail them by a window, and runs while they do.
        A live run's reserve catches up at once: its answers (a reconciliation) never wait
        for the next window."""
        cells = self._busy(until, self.cell_units)
        windows: dict[int, Window] = {i: (until, inbox) for i, inbox in cells.items()}
        behind = self.reserve_until
        if behind is not None:
            for i, inbox in self._busy(behind, [self.reserve]).items():
                windows[i] = (behind, inbox)
        if windows:
            self._results(self.runtime.advance(windows))
        self.reserve_until = until
        if self.live is not None:
            self.catch_up()
        self.stats.windows += 1
        self.stats.sim_end_s = until

    def catch_up(self) -> None:
        """The reserve runs the window it trails by (the run is stopping)."""
        behind = self.reserve_until
        if behind is not None:
            reserve = self._busy(behind, [self.reserve])
            if reserve:
                self._results(self.runtime.advance({self.reserve: (behind, reserve[self.reserve])}))

    def _results(self, results: dict[int, WindowResult]) -> None:
        next_at = self.next_at
        for i, result in results.items():
            next_at[i] = result.next_at
            self.open_items[i] = result.open_items
            self.in_flight[i] = result.in_flight
            for dst, envelope in result.outbox:
                self._deliver(dst, envelope)
            if result.rows and self.sink is not None:
                self.sink(result.rows)
            if result.records and self.record is not None:
                self.record(result.records)
            if result.bulk and self.bulk is not None:
                self.bulk(i, result.bulk)
            if result.replies and self.live is not None:
                self.live.answer(result.replies)
            if result.progress:
                self.totals[i] = (result.progress.get("created", 0), result.progress.get("done", 0))


def _earliest(next_at: list[float | None], inboxes: list[list[Envelope]]) -> float | None:
    best: float | None = None
    for t in next_at:
        if t is not None and (best is None or t < best):
            best = t
    for inbox in inboxes:
        for envelope in inbox:
            if best is None or envelope[0] < best:
                best = envelope[0]
    return best

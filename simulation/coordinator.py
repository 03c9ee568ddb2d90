"""The coordinator: advances every logical process in lock-step windows.

Conservative parallel discrete-event simulation. A window is [start, start + L)
where L, the lookahead, is the smallest delay of any message between LPs, so
nothing sent inside a window can be due inside it. The next window starts at
the earliest pending event or message (empty stretches are skipped). Each
window costs one call per busy LP, not one per invoice.

Two clocks: virtual (as fast as possible) and paced (simulated time runs at
``speed`` times the wall clock). In paced mode the drift between where the
simulation is and where the wall clock says it should be is measured and
reported, never hidden.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from simulation.layout import Layout
from simulation.messages import Envelope
from simulation.runtime import Runtime

Progress = Callable[[float, dict[str, int]], None]


@dataclass
class WindowStats:
    windows: int = 0
    sim_end_s: float = 0.0
    wall_s: float = 0.0
    drift_max_s: float = 0.0
    drift_mean_s: float = 0.0
    stopped_by: str = ""
    summaries: list[dict[str, Any]] = field(default_factory=list)

    def digest(self) -> str:
        """The run's digest: the digests of every LP, in LP order."""
        h = hashlib.sha256()
        for summary in self.summaries:
            h.update(f"{summary['name']}:{summary['digest']}\n".encode())
        return h.hexdigest()


def run_windows(
    runtime: Runtime,
    layout: Layout,
    duration_s: float,
    hard_end_s: float,
    speed: float | None = None,
    progress: Progress | None = None,
    should_stop: Callable[[], bool] | None = None,
    sink: Callable[[list[tuple[Any, ...]]], None] | None = None,
    record: Callable[[dict[str, list[tuple[Any, ...]]]], None] | None = None,
) -> WindowStats:
    """Advance until the scenario ends and every invoice is finished (or ``hard_end_s``)."""
    n = layout.size
    lookahead = layout.lookahead_s
    next_at: list[float | None] = [0.0] * n
    open_items = [0] * n
    inboxes: list[list[Envelope]] = [[] for _ in range(n)]
    totals: dict[str, list[int]] = {}
    stats = WindowStats()
    wall_start = time.perf_counter()
    drift_sum = 0.0
    while True:
        start = _earliest(next_at, inboxes)
        pending = any(inboxes)
        if start is None:
            stats.stopped_by = "no more events"
            break
        if start >= duration_s and not pending and sum(open_items) == 0:
            stats.stopped_by = "scenario over, every invoice finished"
            break
        if start >= hard_end_s:
            stats.stopped_by = "drain limit reached"
            break
        if should_stop is not None and should_stop():
            stats.stopped_by = "stopped"
            break
        until = start + lookahead
        busy = {
            i: inboxes[i]
            for i in range(n)
            if inboxes[i] or (next_at[i] is not None and next_at[i] < until)  # type: ignore[operator]
        }
        for i in busy:
            inboxes[i] = []
        results = runtime.advance(until, busy)
        for i, result in results.items():
            next_at[i] = result.next_at
            open_items[i] = result.open_items
            for dst, envelope in result.outbox:
                inboxes[dst].append(envelope)
            if result.rows and sink is not None:
                sink(result.rows)
            if result.records and record is not None:
                record(result.records)
            if result.progress:
                totals[str(i)] = [result.progress.get("created", 0), result.progress.get("done", 0)]
        stats.windows += 1
        stats.sim_end_s = until
        if speed is not None:
            drift = _pace(wall_start, until, speed)
            drift_sum += drift
            stats.drift_max_s = max(stats.drift_max_s, drift)
        if progress is not None:
            created = sum(v[0] for v in totals.values())
            done = sum(v[1] for v in totals.values())
            progress(until, {"created": created, "done": done, "open": sum(open_items)})
    stats.wall_s = time.perf_counter() - wall_start
    if stats.windows:
        stats.drift_mean_s = drift_sum / stats.windows
    stats.summaries = runtime.finish()
    return stats


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


def _pace(wall_start: float, sim_s: float, speed: float) -> float:
    """Sleep until the wall clock reaches ``sim_s / speed``; return how far behind we are."""
    target = wall_start + sim_s / speed
    ahead = target - time.perf_counter()
    if ahead > 0:
        time.sleep(ahead)
        return 0.0
    return -ahead

"""The coordinator's cost per window, timed from outside the engine.

``timed_runtimes`` makes ``run_scenario`` build its runtime wrapped in a
``TimedRuntime``, which times every ``advance``: one window's round trip, the
call to every busy logical process and the wait for all of their answers. The
engine is not touched; only the benchmark process is.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import simulation.engine as engine


class TimedRuntime:
    """A runtime that keeps how long each window's ``advance`` took (seconds)."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self.window_s: list[float] = []

    def advance(self, windows: dict[int, Any]) -> Any:
        started = time.perf_counter()
        try:
            return self._inner.advance(windows)
        finally:
            self.window_s.append(time.perf_counter() - started)

    def __getattr__(self, name: str) -> Any:  # name, start, finish, close, checkpoints, ...
        return getattr(self._inner, name)


@contextmanager
def timed_runtimes() -> Iterator[list[TimedRuntime]]:
    """Every runtime built inside the block is timed; the list holds them in order."""
    built: list[TimedRuntime] = []
    original = engine.make_runtime

    def make(*args: Any, **kwargs: Any) -> Any:
        built.append(TimedRuntime(original(*args, **kwargs)))
        return built[-1]

    engine.make_runtime = make
    try:
        yield built
    finally:
        engine.make_runtime = original


def window_figures(runtime: TimedRuntime) -> dict[str, float]:
    """Windows, and the mean, median and 99th percentile of a window's round trip in ms."""
    times = runtime.window_s
    if not times:
        return {"windows": 0, "window_ms_mean": 0.0, "window_ms_p50": 0.0, "window_ms_p99": 0.0}
    ordered = sorted(times)
    return {
        "windows": len(times),
        "window_ms_mean": statistics.fmean(times) * 1000.0,
        "window_ms_p50": ordered[len(ordered) // 2] * 1000.0,
        "window_ms_p99": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000.0,
    }

"""One benchmark run: a scenario in a fresh interpreter, its figures and its peak RSS."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RUN_TIMEOUT_S = 3600  # a run that takes longer than this is a bug, not a benchmark

_running: set[subprocess.Popen[str]] = set()  # killed if the bench stops early


@dataclass(frozen=True, slots=True)
class Run:
    scenario: str
    simulated_s: float
    invoices: int
    wall_s: float
    cpu_s: float
    peak_rss_mib: float
    digest: str
    passed: bool
    windows: int = 0
    window_ms_mean: float = 0.0
    window_ms_p50: float = 0.0
    window_ms_p99: float = 0.0

    @property
    def invoices_per_s(self) -> float:
        return self.invoices / self.wall_s


def measure(
    scenario: Path,
    duration_s: float | None,
    extra: list[str] | None = None,
    env: dict[str, str] | None = None,
) -> Run:
    """One run of ``scenario`` in a fresh interpreter; its peak RSS from the kernel."""
    args = [sys.executable, "-m", "bench.child", str(scenario)]
    if duration_s is not None:
        args.append(str(duration_s))
    args += extra or []
    proc = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.PIPE, text=True, env=env)
    assert proc.stdout is not None
    _running.add(proc)
    watchdog = threading.Timer(RUN_TIMEOUT_S, proc.kill)
    watchdog.start()
    try:
        output = proc.stdout.read()
        # wait4, unlike Popen.wait, hands back the child's own resource usage.
        _, status, usage = os.wait4(proc.pid, 0)
    finally:
        watchdog.cancel()
        _running.discard(proc)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"bench: {scenario.name} failed (exit {proc.returncode})")
    result: dict[str, Any] = json.loads(output.strip().splitlines()[-1])
    return Run(peak_rss_mib=usage.ru_maxrss / 1024.0, **result)  # ru_maxrss is in KiB on Linux


def stop_running() -> None:
    """Kill the runs still going (the bench was stopped early)."""
    for proc in list(_running):
        proc.kill()

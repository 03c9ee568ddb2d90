"""An emulator answers close to its configured latency at 200 requests a second."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
from pathlib import Path

from tests.exercise.helpers import emulating, scenario

ROOT = Path(__file__).parents[2]
LATENCY_MS = 20.0


def test_an_emulator_adds_under_5_ms_to_its_configured_latency_at_200_requests_per_s() -> None:
    tempo = f"{{latency_base_ms: {LATENCY_MS}, latency_jitter_ms: 0}}"
    with emulating(scenario(f"providers:\n  tempo: {tempo}\n")) as running:
        client = [sys.executable, "-m", "tests.exercise.load_client", running.url("tempo")]
        out = subprocess.run(
            [*client, "200", "600", str(LATENCY_MS)], cwd=ROOT, capture_output=True, text=True
        )
    assert out.returncode == 0, out.stderr
    added = sorted(json.loads(out.stdout))
    p50, p99 = statistics.median(added), added[int(len(added) * 0.99) - 1]
    assert added[0] >= 0  # never before its latency
    # Measured by the client, its own costs included; #23 asks p99 <= 5 ms, which this
    # 2-core machine meets with room (2.1 to 2.7 ms, docs/emulators.md): the test allows
    # for a slower machine or other work beside it, at p99 only.
    assert p50 <= 5.0 and p99 <= 10.0, f"added latency p50 {p50:.1f} ms, p99 {p99:.1f} ms"

"""How a window reaches a Ray actor: over the runtime's own channel, or as a Ray call.

``python -m bench.ray_transport [SECONDS] [--reps N]`` runs the first SECONDS (default
120) of ``throughput_1000`` on the Ray runtime with 2 shards, no persistence, N times
(default 3) each way, taken in turn: once as the runtime does (every window over each
host's channel, ``simulation/runtime/ray/channel.py``) and once with the channel made
unreachable, so every window goes as a Ray call (the runtime's own fallback). Each run
is a fresh process with a private local Ray; its clock runs from the start of the run
(the actors' start included, the same both ways). It prints each run and the ratio
of the medians: #22 keeps the channel unless Ray calls come within 5 % of it.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "bench" / "scenarios" / "throughput_1000.yaml"

_CHILD = r"""
import json, sys, time
import ray
from simulation.engine import RunOptions, run_scenario
from simulation.runtime.ray import channel as ray_channel
from simulation.scenario import load_scenario, with_overrides

way, seconds, path = sys.argv[1], float(sys.argv[2]), sys.argv[3]
cut = {"duration_s": seconds, "load.0.duration_s": seconds}
scenario = with_overrides(load_scenario(path), cut)
ray.init(address="local", include_dashboard=False, log_to_driver=False)
if way == "ray call":
    def unreachable(address, authkey):
        raise ConnectionRefusedError("windows as Ray calls (bench)")
    ray_channel.connect = unreachable
held = []
started = time.perf_counter()
report = run_scenario(scenario, RunOptions(shards=2, runtime="ray", on_start=held.append))
wall_s = time.perf_counter() - started
print(json.dumps({"way": way, "wall_s": wall_s,
                  "invoices_per_s": report["invoices"]["created"] / wall_s,
                  "sent": held[0].windows_sent, "digest": report["digest"]}))
"""


def _one(way: str, seconds: float) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, way, str(seconds), str(SCENARIO)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
        check=False,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if not lines:
        raise SystemExit(f"bench.ray_transport: a run failed:\n{done.stderr[-2000:]}")
    result: dict[str, object] = json.loads(lines[-1])
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.ray_transport", description=__doc__)
    parser.add_argument("seconds", nargs="?", type=float, default=120.0)
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args(argv)
    rates: dict[str, list[float]] = {"channel": [], "ray call": []}
    digests = set()
    for rep in range(args.reps):
        for way in rates:
            run = _one(way, args.seconds)
            rates[way].append(float(run["invoices_per_s"]))  # type: ignore[arg-type]
            digests.add(run["digest"])
            print(f"run {rep + 1}, {way}: {rates[way][-1]:,.0f} invoices/s, sent {run['sent']}")
    channel, call = (statistics.median(rates[w]) for w in ("channel", "ray call"))
    print(
        f"median: channel {channel:,.0f} invoices/s, Ray calls {call:,.0f} invoices/s: "
        f"Ray calls at {call / channel:.3f} of the channel; same digest both ways: "
        f"{'yes' if len(digests) == 1 else 'NO'}"
    )


if __name__ == "__main__":
    main()

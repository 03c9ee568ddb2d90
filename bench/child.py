"""One measured run, in its own process.

``python -m bench.child SCENARIO [DURATION_S] [--runtime ray] [--shards N] [--persist]``

Prints one JSON line: invoices, wall and CPU seconds of ``run_scenario``, the
run's digest and its windows with their round-trip times (``bench.timing``).
The parent reads the process's peak RSS from ``os.wait4``, so a fresh
interpreter per run keeps one run's memory out of the next one's figure.
``DURATION_S`` shortens the scenario (and its single load phase) for smoke runs.
With ``--runtime ray`` a private local Ray is started before the clock starts
(never a cluster another program left running on this machine); CPU seconds are
then the driver's only.
"""

from __future__ import annotations

import argparse
import json
import time

from bench.timing import timed_runtimes, window_figures
from simulation.engine import RunOptions, run_scenario
from simulation.scenario import load_scenario, with_overrides


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.child")
    parser.add_argument("scenario")
    parser.add_argument("duration_s", nargs="?", type=float)
    parser.add_argument("--runtime", default="local", choices=("local", "ray"))
    parser.add_argument("--shards", type=int)
    parser.add_argument("--persist", action="store_true")
    parser.add_argument("--row-writers", default="auto", choices=("auto", "driver", "hosts"))
    args = parser.parse_args(argv)
    scenario = load_scenario(args.scenario)
    if args.duration_s is not None:
        scenario = with_overrides(
            scenario, {"duration_s": args.duration_s, "load.0.duration_s": args.duration_s}
        )
    if args.runtime == "ray":
        import ray

        ray.init(address="local", include_dashboard=False, log_to_driver=False)
    options = RunOptions(
        shards=args.shards,
        runtime=args.runtime,
        persist=args.persist,
        row_writers=args.row_writers,
    )
    with timed_runtimes() as runtimes:
        wall_start, cpu_start = time.perf_counter(), time.process_time()
        report = run_scenario(scenario, options)
        wall_s, cpu_s = time.perf_counter() - wall_start, time.process_time() - cpu_start
    result = {
        "scenario": report["scenario"],
        "simulated_s": float(scenario.duration_s),
        "invoices": report["invoices"]["created"],
        "wall_s": wall_s,
        "cpu_s": cpu_s,
        "digest": report["digest"],
        "passed": all(a.get("passed", True) for a in report["assertions"]),
        **window_figures(runtimes[0]),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()

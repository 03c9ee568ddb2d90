"""One measured sweep, in its own process.

``python -m bench.sweep_child SCENARIO SEEDS [--serial]``

Sweeps ``routing.breaker.failure_threshold`` over 3, 5, 10 and
``routing.health_interval_s`` over 5, 15, 30, times ``SEEDS`` seeds (45 runs at 5
seeds), as parallel Ray tasks (a private local Ray, started before the clock
starts) or with ``--serial`` one after another in this process. Prints one JSON
line: runs, wall seconds of ``run_sweep``, how many passed, and a digest of the
runs' digests, which must be the same both ways (the same work was done).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import time

from simulation.scenario import load_scenario
from simulation.sweep.runner import parse_param, plan_sweep, run_sweep

PARAMS = ("routing.breaker.failure_threshold=3,5,10", "routing.health_interval_s=5,15,30")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.sweep_child")
    parser.add_argument("scenario")
    parser.add_argument("seeds", type=int)
    parser.add_argument("--serial", action="store_true")
    args = parser.parse_args(argv)
    plan = plan_sweep(load_scenario(args.scenario), [parse_param(p) for p in PARAMS], args.seeds)
    if not args.serial:
        import ray

        ray.init(address="local", include_dashboard=False, log_to_driver=False)
    started = time.perf_counter()
    result = run_sweep(plan, serial=args.serial)
    wall_s = time.perf_counter() - started
    digests = hashlib.sha256("\n".join(row.digest for row in result.rows).encode()).hexdigest()
    print(
        json.dumps(
            {
                "runs": len(result.rows),
                "wall_s": wall_s,
                "passed": sum(row.passed for row in result.rows),
                "digest": digests,
            }
        )
    )


if __name__ == "__main__":
    main()

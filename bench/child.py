"""One measured run, in its own process: ``python -m bench.child SCENARIO [DURATION_S]``.

Prints one JSON line: invoices, wall and CPU seconds of ``run_scenario`` and the
run's digest. The parent reads the process's peak RSS from ``os.wait4``, so a
fresh interpreter per run keeps one run's memory out of the next one's figure.
``DURATION_S`` shortens the scenario (and its single load phase) for smoke runs.
"""

from __future__ import annotations

import json
import sys
import time

from simulation.engine import run_scenario
from simulation.scenario import load_scenario, with_overrides


def main(argv: list[str]) -> None:
    scenario = load_scenario(argv[0])
    if len(argv) > 1:
        duration_s = float(argv[1])
        scenario = with_overrides(
            scenario, {"duration_s": duration_s, "load.0.duration_s": duration_s}
        )
    wall_start, cpu_start = time.perf_counter(), time.process_time()
    report = run_scenario(scenario)
    wall_s, cpu_s = time.perf_counter() - wall_start, time.process_time() - cpu_start
    result = {
        "scenario": report["scenario"],
        "simulated_s": float(scenario.duration_s),
        "invoices": report["invoices"]["created"],
        "wall_s": wall_s,
        "cpu_s": cpu_s,
        "digest": report["digest"],
        "passed": all(a.get("passed", True) for a in report["assertions"]),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])

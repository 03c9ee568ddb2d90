"""Parameter sweeps: one scenario, a grid of overrides, several seeds, one row per run
(``runner``: the grid, the runs, ``sweep.csv``). The sweep's page is drawn in
``ui/report/``."""

from simulation.sweep.runner import (
    SweepResult,
    parse_param,
    plan_sweep,
    run_sweep,
    write_csv,
)

__all__ = [
    "SweepResult",
    "parse_param",
    "plan_sweep",
    "run_sweep",
    "write_csv",
]

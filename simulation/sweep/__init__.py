"""Parameter sweeps: one scenario, a grid of overrides, several seeds, one row per run
(``runner``: the grid, the runs, ``sweep.csv``), and the sweep's HTML page (``html``)."""

from simulation.sweep.html import render_sweep_html
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
    "render_sweep_html",
    "run_sweep",
    "write_csv",
]

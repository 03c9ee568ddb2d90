"""The median and spread of a figure measured several times (pure; no I/O).

Every figure of BENCHMARKS.md is the median of its runs with min to max as the
spread: the machine may be shared, so one run says little about the next.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence

# How many runs each figure is the median of, when ``python -m bench`` (what
# ``make bench`` runs) is not told otherwise; ``--quick`` makes each one 1.
REPS = 3  # --reps: the 10-minute scenario, the Ray run, the sweep, the API figures
MATRIX_REPS = 3  # --matrix-reps: each cell of the engine matrix (7 cells)
LONG_REPS = 3  # --long-reps: the 1-hour scenario (each run about 6 minutes, beside the others)


def median(values: Sequence[float]) -> float:
    """The median of the runs; a figure with no run is a bug in the bench."""
    assert values, "a figure needs at least one run"
    return float(statistics.median(values))


def spread(values: Sequence[float], fmt: str) -> str:
    """Min to max, and half that range as a share of the median; "one run" for one."""
    if len(values) < 2:
        return "one run"
    low, high = min(values), max(values)
    middle = median(values)
    if middle == 0:
        return f"{low:{fmt}} to {high:{fmt}}"
    relative = (high - low) / abs(middle) * 100.0
    return f"{low:{fmt}} to {high:{fmt}} (±{relative / 2:.0f}% of the median)"


def median_and_spread(values: Sequence[float], fmt: str, unit: str = "") -> str:
    """One table cell: the median with its unit, then min to max in brackets."""
    text = f"{median(values):{fmt}}{unit}"
    if len(values) < 2:
        return text
    return f"{text} ({min(values):{fmt}} to {max(values):{fmt}})"

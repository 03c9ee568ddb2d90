"""Simulated time as people read it: a clock for the live part of a run, day and time
of day for the history before it. Used by the domain's messages (alerts, reconciliation)
and, through ``ui.formatting``, by every page."""

from __future__ import annotations

import math

MISSING = "\u2014"  # an em dash: the figure does not apply


def clock(seconds: float | None) -> str:
    """Simulated time as a clock: ``75`` -> ``01:15``; ``3725`` -> ``1:02:05``."""
    if seconds is None or math.isnan(seconds):
        return MISSING
    sign = "-" if seconds < 0 else ""
    whole = int(abs(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{sign}{hours}:{minutes:02d}:{secs:02d}"
    return f"{sign}{minutes:02d}:{secs:02d}"


def run_time(seconds: float | None) -> str:
    """A moment of a run on its simulated clock: the live part as a clock (``01:08``), the
    history before it (negative seconds) by day and time of day: ``-21600`` -> ``day -1,
    18:00`` (day -1 is the 24 hours before the live part began)."""
    if seconds is None or math.isnan(seconds):
        return MISSING
    if seconds >= 0:
        return clock(seconds)
    day, rest = divmod(math.floor(seconds), 86_400)
    hours, minutes = rest // 3600, rest % 3600 // 60
    return f"day {day}, {hours:02d}:{minutes:02d}"

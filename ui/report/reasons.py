"""Why a figure of a run reads "—", in words, for a footnote: "no traffic after the fault".

A failover figure is missing when what it measures never happened; the report's
own buckets say whether there was anything to measure. ``Notes`` numbers the
reasons of one page or table, each reason once, in the order first met.
"""

from __future__ import annotations

from typing import Any

from ui.formatting import MISSING, note_mark


class Notes:
    """The footnotes of one table or page: a reason gets a number the first time."""

    def __init__(self) -> None:
        self.reasons: list[str] = []

    def number(self, reason: str) -> int:
        if reason not in self.reasons:
            self.reasons.append(reason)
        return self.reasons.index(reason) + 1

    def missing(self, reason: str | None) -> str:
        """ "—", marked with the reason's footnote when there is one: ``—¹``."""
        return MISSING if reason is None else MISSING + note_mark(self.number(reason))

    def lines(self) -> list[str]:
        """``¹ no traffic after the fault``, one per reason."""
        return [f"{note_mark(n)} {reason}" for n, reason in enumerate(self.reasons, 1)]


def _traffic(report: dict[str, Any], since_s: float, until_s: float | None = None) -> bool:
    """Whether an invoice was created in a bucket overlapping ``since_s`` .. ``until_s``."""
    series = report.get("series") or {}
    step = float(series.get("bucket_s") or 1.0)
    return any(
        row["created"]
        and float(row["t"]) + step > since_s
        and (until_s is None or float(row["t"]) < until_s)
        for row in series.get("rows") or []
    )


def failover_reason(report: dict[str, Any], row: dict[str, Any], key: str) -> str | None:
    """Why ``row[key]`` (a figure of the failover table) is None; None if it is not."""
    if row.get(key) is not None:
        return None
    provider = str(row.get("provider"))
    start = float(row.get("fault_start_s") or 0.0)
    end = row.get("fault_end_s")
    if key == "time_to_detect_s":
        return f"{provider} was never taken out of routing during the fault"
    if key == "time_to_failover_s":
        if not _traffic(report, start, None if end is None else float(end)):
            return "no traffic during the fault"
        return f"no payment meant for {provider} succeeded on another provider"
    if key == "time_to_failback_s":
        if end is None or float(end) >= float(report.get("simulated_s") or 0.0):
            return "the fault lasted until the end of the run"
        if not _traffic(report, float(end)):
            return "no traffic after the fault"
        return f"no payment succeeded on {provider} after the fault"
    return None


def latency_reason(report: dict[str, Any]) -> str | None:
    """Why the run's latency percentiles are None: nothing was paid through a provider."""
    latency = report.get("latency_ms") or {}
    if any(latency.get(k) is not None for k in ("p50", "p95", "p99")):
        return None
    return "no payment was made through a provider"

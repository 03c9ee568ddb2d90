"""The run's story on one time axis, read from ``report.json``: pure functions, no charts.

A run goes on after its load and faults are over: invoices still open end (their
wallets' TTL lapses) with no new load, the *drain*. In a run whose story sits in
its first 420 s of 2,520, a linear axis would squeeze the story into a sixth of
the width, so past the story's end the axis is compressed: the drain keeps
``DRAIN_SHARE`` of the width and is marked as such. Time buckets are merged to a
resolution that fits the width (``resample``); a fault's own panel keeps the
report's finest buckets around it (``fault_window``).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from typing import Any

from ui.dashboard.charts import clock_ticks
from ui.formatting import words

DRAIN_SHARE = 0.12  # of the width, for a compressed drain
COMPRESS_OVER = 0.25  # compress a drain longer than this share of the story
STORY_PAD = 0.03  # room after the story's last second, as a share of it
MAX_STORY_BUCKETS = 480  # about two pixels each across a report's chart
MAX_DRAIN_BUCKETS = 40
MAX_WINDOW_BUCKETS = 360  # in a fault's own panel
STEPS = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600)  # buckets merged


@dataclass(frozen=True, slots=True)
class Fault:
    """A fault of the scenario as the report names it: ``tempo outage``."""

    target: str
    kind: str
    start_s: float
    end_s: float | None  # None: it happens at an instant (actor_crash)
    index: int  # among the run's faults, in the scenario's order

    @property
    def label(self) -> str:
        return f"{self.target} {words(self.kind)}"

    @property
    def until_s(self) -> float:
        return self.start_s if self.end_s is None else self.end_s


@dataclass(frozen=True, slots=True)
class TimeAxis:
    """Simulated time from 0 to ``end_s``; the story (load and faults) to ``story_end_s``."""

    story_end_s: float
    end_s: float

    @property
    def compressed(self) -> bool:
        return self.end_s - self.story_end_s > COMPRESS_OVER * self.story_end_s

    @property
    def drain(self) -> tuple[float, float] | None:
        """The stretch after the story, when there is one worth marking."""
        return (self.story_end_s, self.end_s) if self.end_s > self.story_end_s else None

    @property
    def domain(self) -> list[float]:
        return [0.0, self.story_end_s, self.end_s] if self.compressed else [0.0, self.end_s]

    def pixels(self, width: float) -> list[float]:
        """Where each end of ``domain`` is drawn: a piecewise-linear scale."""
        if self.compressed:
            return [0.0, round(width * (1 - DRAIN_SHARE), 1), float(width)]
        return [0.0, float(width)]

    def at_share(self, share: float) -> float:
        """The time drawn ``share`` of the way across (0 to 1)."""
        domain, pixels = self.domain, self.pixels(1.0)
        for (t0, t1), (p0, p1) in zip(itertools.pairwise(domain), itertools.pairwise(pixels),
                                      strict=True):  # fmt: skip
            if share <= p1:
                return t0 + (t1 - t0) * (share - p0) / (p1 - p0)
        return self.end_s

    @property
    def ticks(self) -> list[float]:
        """Whole clock steps over the story; the run's end on a compressed drain."""
        if not self.compressed:
            return clock_ticks(0.0, self.end_s)
        story = clock_ticks(0.0, self.story_end_s)
        return [*story, math.floor(self.end_s)]


@dataclass(slots=True)
class Bucket:
    """What happened from ``start_s`` to ``end_s``; latency of a merged bucket: the paid-
    weighted mean of its p50s and the highest of its p99s."""

    start_s: float
    end_s: float
    created: int = 0
    paid: int = 0
    failed: int = 0
    p50_ms: float | None = None
    p99_ms: float | None = None
    share: dict[str, int] = field(default_factory=dict)  # paid per provider

    @property
    def length_s(self) -> float:
        return self.end_s - self.start_s


def reached(report: dict[str, Any], start_s: float | None) -> bool:
    """Whether the run was still going at ``start_s``: a run stopped early never reached
    the faults its scenario scheduled later (a report without ``simulated_s`` reached all)."""
    end = report.get("simulated_s")
    return end is None or float(start_s or 0.0) < float(end)


def faults_of(report: dict[str, Any]) -> list[Fault]:
    """Every fault of the run that it reached (``reached``); a report from before
    ``faults`` was kept has its provider faults in the failover table."""
    if "faults" in report:
        rows = [
            (str(f.get("target")), str(f.get("kind")), f.get("start_s"), f.get("end_s"))
            for f in report["faults"] or []
        ]
    else:
        rows = [
            (str(r.get("provider")), str(r.get("kind", "fault")), r.get("fault_start_s"),
             r.get("fault_end_s"))
            for r in report.get("failover") or []
        ]  # fmt: skip
    return [
        Fault(target, kind, float(start or 0.0), None if end is None else float(end), n)
        for n, (target, kind, start, end) in enumerate(rows)
        if reached(report, start)
    ]


def bucket_s(report: dict[str, Any]) -> float:
    return float((report.get("series") or {}).get("bucket_s") or 1.0)


def load_end_s(report: dict[str, Any]) -> float:
    """The end of the last bucket in which an invoice was created."""
    step = bucket_s(report)
    created = [
        float(r["t"]) for r in (report.get("series") or {}).get("rows") or [] if r["created"]
    ]
    bulk = [float(job.get("at_s") or 0.0) for job in report.get("bulk") or []]
    return max([*(t + step for t in created), *bulk, 0.0])


def time_axis(report: dict[str, Any], faults: list[Fault]) -> TimeAxis:
    """From 0 to the run's end, the story ending where the load and the last fault do."""
    rows = (report.get("series") or {}).get("rows") or []
    ends = [float(report.get("simulated_s") or 0.0), *(f.until_s for f in faults)]
    ends += [float(r["t"]) + bucket_s(report) for r in rows]
    ends += [float(r.get("at") or 0.0) for r in report.get("reserve_history") or []]
    end = max([*ends, 1.0])
    story = max([load_end_s(report), *(f.until_s for f in faults)])
    story = min(end, story * (1 + STORY_PAD)) if story > 0 else end
    return TimeAxis(story_end_s=round(story, 3), end_s=round(end, 3))


def _native(report: dict[str, Any], since_s: float, until_s: float) -> list[Bucket]:
    """The report's own buckets from ``since_s`` to ``until_s``, a missing one empty."""
    step = bucket_s(report)
    by_index = {
        round(float(r["t"]) / step): r for r in (report.get("series") or {}).get("rows") or []
    }
    first, last = math.floor(since_s / step), math.ceil(until_s / step)
    out = []
    for index in range(max(first, 0), max(last, 0)):
        row = by_index.get(index)
        bucket = Bucket(index * step, (index + 1) * step)
        if row is not None:
            bucket.created, bucket.paid, bucket.failed = row["created"], row["paid"], row["failed"]
            bucket.p50_ms, bucket.p99_ms = row.get("p50_ms"), row.get("p99_ms")
            bucket.share = dict(row.get("share") or {})
        out.append(bucket)
    return out


def _merge(group: list[Bucket]) -> Bucket:
    merged = Bucket(group[0].start_s, group[-1].end_s)
    weighted = 0.0
    for b in group:
        merged.created += b.created
        merged.paid += b.paid
        merged.failed += b.failed
        for name, count in b.share.items():
            merged.share[name] = merged.share.get(name, 0) + count
        if b.p50_ms is not None:
            weighted += b.p50_ms * b.paid
        if b.p99_ms is not None:
            merged.p99_ms = max(merged.p99_ms or 0.0, b.p99_ms)
    if merged.paid and any(b.p50_ms is not None for b in group):
        merged.p50_ms = round(weighted / merged.paid, 3)
    return merged


def resample(buckets: list[Bucket], most: int) -> list[Bucket]:
    """``buckets`` merged by the smallest step of ``STEPS`` that leaves at most ``most``."""
    step = next((s for s in STEPS if math.ceil(len(buckets) / s) <= most), STEPS[-1])
    if step == 1:
        return buckets
    return [_merge(buckets[i : i + step]) for i in range(0, len(buckets), step)]


def story_buckets(report: dict[str, Any], axis: TimeAxis) -> list[Bucket]:
    """The run's buckets at a resolution that fits the chart: the story finer, the drain
    coarser when compressed."""
    if not axis.compressed:
        return resample(_native(report, 0.0, axis.end_s), MAX_STORY_BUCKETS)
    story = resample(_native(report, 0.0, axis.story_end_s), MAX_STORY_BUCKETS)
    since = story[-1].end_s if story else 0.0
    return story + resample(_native(report, since, axis.end_s), MAX_DRAIN_BUCKETS)


@dataclass(frozen=True, slots=True)
class Window:
    """A fault and the time around it, in the report's finest buckets that fit."""

    fault: Fault
    since_s: float
    until_s: float
    buckets: list[Bucket]


def fault_window(report: dict[str, Any], fault: Fault) -> Window:
    """The fault with a quarter of its length (at least 10 s) before and after it."""
    length = fault.until_s - fault.start_s
    lead = max(10.0, 0.25 * length)
    since = max(0.0, fault.start_s - lead)
    until = fault.until_s + lead
    buckets = resample(_native(report, since, until), MAX_WINDOW_BUCKETS)
    if buckets:
        since, until = buckets[0].start_s, buckets[-1].end_s
    return Window(fault, since, until, buckets)

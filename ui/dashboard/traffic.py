"""Provider traffic as the charts and cards read it: pure functions, no Streamlit.

The API answers the attempts that finished per provider and bucket of simulated
time (``GET /providers/traffic``). A chart shows one range of the run (the last
5 or 30 minutes, or the whole run) in the finest bucket that keeps the answer
within the API's 720 buckets: 5 s for anything up to an hour, so a 60 s fault is
a dozen buckets at any run length. From the buckets come the share of payments
per provider, the success-rate and latency lines (broken where a provider had no
call), a card's figures over the same range, and the overview's sparklines.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TypedDict

from ui.dashboard.models import TrafficBucket
from ui.formatting import clock, clock_span

RANGES: dict[str, float | None] = {"Last 5 min": 300.0, "Last 30 min": 1800.0, "Whole run": None}
DEFAULT_RANGE = "Last 5 min"
BUCKETS_S = (5.0, 10.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 900.0, 1800.0, 3600.0)
MAX_BUCKETS = 720  # the API's most buckets in one answer
MIN_TREND_S = 10.0  # the shortest window a per-minute figure is worked out over


@dataclass(frozen=True, slots=True)
class View:
    """A range of the run in buckets: ``since_s`` (a bucket's start) to the clock ``now_s``."""

    label: str
    since_s: float
    now_s: float
    bucket_s: float

    @property
    def until_s(self) -> float:
        """The end of the bucket the clock is in (still filling)."""
        return (math.floor(self.now_s / self.bucket_s) + 1) * self.bucket_s

    @property
    def span_s(self) -> float:
        return max(self.now_s - self.since_s, self.bucket_s)

    @property
    def words(self) -> str:
        """The range for a card or a caption: ``last 5 min``, ``whole run``."""
        return self.label[0].lower() + self.label[1:]


def view_for(label: str, now_s: float) -> View:
    """The range ``label`` (one of ``RANGES``) at clock ``now_s``, in the finest bucket of
    ``BUCKETS_S`` that covers it in at most ``MAX_BUCKETS`` buckets."""
    length = RANGES.get(label, RANGES[DEFAULT_RANGE])
    since = 0.0 if length is None else max(0.0, now_s - length)
    bucket = next(
        (b for b in BUCKETS_S if math.floor(now_s / b) + 1 - math.floor(since / b) <= MAX_BUCKETS),
        BUCKETS_S[-1],
    )
    since = math.floor(since / bucket) * bucket
    label = label if label in RANGES else DEFAULT_RANGE
    return View(label=label, since_s=since, now_s=now_s, bucket_s=bucket)


class ShareRow(TypedDict):
    provider: str
    start_s: float
    end_s: float
    payments: int
    share_pct: float
    low_pct: float  # where its part of the bucket's 100 % starts (providers stacked in order)
    high_pct: float
    when: str  # the bucket as clocks, for the tooltip


def payment_shares(
    buckets: list[TrafficBucket], bucket_s: float, providers: list[str]
) -> list[ShareRow]:
    """Per bucket, each provider's share of the payments made in it (succeeded calls), in %,
    stacked in the order of ``providers`` (others after them); a bucket without a payment has
    no row (the chart leaves it blank)."""
    rank = {name: n for n, name in enumerate(providers)}
    by_start: dict[float, list[TrafficBucket]] = {}
    for b in buckets:
        if b["succeeded"] > 0:
            by_start.setdefault(b["start_s"], []).append(b)
    rows: list[ShareRow] = []
    for start_s, mine in sorted(by_start.items()):
        total = sum(b["succeeded"] for b in mine)
        low = 0.0
        for b in sorted(mine, key=lambda b: (rank.get(b["provider"], len(rank)), b["provider"])):
            share = 100 * b["succeeded"] / total
            rows.append(
                ShareRow(
                    provider=b["provider"],
                    start_s=start_s,
                    end_s=start_s + bucket_s,
                    payments=b["succeeded"],
                    share_pct=round(share, 2),
                    low_pct=round(low, 4),
                    high_pct=round(min(100.0, low + share), 4),
                    when=clock_span(start_s, start_s + bucket_s),
                )
            )
            low += share
    return rows


class LinePoint(TypedDict):
    provider: str
    start_s: float
    attempts: int
    success_pct: float | None  # None: no call finished in the bucket (the line breaks)
    latency_p99_ms: float | None
    when: str


def line_points(buckets: list[TrafficBucket], bucket_s: float) -> list[LinePoint]:
    """Success rate in % and latency p99 per provider and bucket, and an empty point for every
    bucket a provider had no finished call in, from its first bucket to the last one shown,
    so its line breaks where its traffic stopped (an outage) instead of bridging the gap."""
    if not buckets:
        return []
    last = max(b["start_s"] for b in buckets)
    seen = {(b["provider"], b["start_s"]) for b in buckets}
    rows = [
        LinePoint(
            provider=b["provider"],
            start_s=b["start_s"],
            attempts=b["attempts"],
            success_pct=round(b["success_rate"] * 100, 2),
            latency_p99_ms=round(b["latency_p99_ms"]),
            when=clock(b["start_s"]),
        )
        for b in buckets
    ]
    for provider in sorted({b["provider"] for b in buckets}):
        start = min(b["start_s"] for b in buckets if b["provider"] == provider)
        for n in range(round((last - start) / bucket_s) + 1):
            at_s = start + n * bucket_s
            if (provider, at_s) not in seen:
                gap = LinePoint(
                    provider=provider,
                    start_s=at_s,
                    attempts=0,
                    success_pct=None,
                    latency_p99_ms=None,
                    when=clock(at_s),
                )
                rows.append(gap)
    return sorted(rows, key=lambda r: (r["provider"], r["start_s"]))


@dataclass(frozen=True, slots=True)
class Window:
    """One provider's calls over the range in view, summed from its buckets."""

    attempts: int = 0
    succeeded: int = 0
    payment_share: float | None = None  # of all payments in the range; None: no payment
    last_call_s: float | None = None  # the start of its last bucket with a call

    @property
    def success_rate(self) -> float | None:
        return None if not self.attempts else self.succeeded / self.attempts


def windows(buckets: list[TrafficBucket], providers: list[str]) -> dict[str, Window]:
    """Each provider's calls, payments, share of payments and last call over the buckets."""
    payments = sum(b["succeeded"] for b in buckets)
    out = {}
    for name in providers:
        mine = [b for b in buckets if b["provider"] == name]
        succeeded = sum(b["succeeded"] for b in mine)
        out[name] = Window(
            attempts=sum(b["attempts"] for b in mine),
            succeeded=succeeded,
            payment_share=succeeded / payments if payments else None,
            last_call_s=max((b["start_s"] for b in mine), default=None),
        )
    return out


class Trend(TypedDict):
    payments_per_min: list[float]  # one point per bucket boundary, over the minute before it
    success_rate: list[float | None]


def minute_trend(
    buckets: list[TrafficBucket], bucket_s: float, now_s: float, since_s: float
) -> Trend:
    """Payments per minute and the success rate of calls, each over the minute before every
    bucket boundary up to the last whole bucket (the one the clock is in is still filling).
    ``buckets`` cover ``since_s`` on: a window reaching before it is left out, unless the
    run starts there, where a window of at least ``MIN_TREND_S`` counts what the run did."""
    per_bucket: dict[int, tuple[int, int]] = {}
    for b in buckets:
        number = round(b["start_s"] / bucket_s)
        attempts, succeeded = per_bucket.get(number, (0, 0))
        per_bucket[number] = (attempts + b["attempts"], succeeded + b["succeeded"])
    window = max(1, round(60 / bucket_s))
    shortest = min(window, max(1, math.ceil(MIN_TREND_S / bucket_s)))
    first, end = math.floor(since_s / bucket_s), math.floor(now_s / bucket_s)
    payments: list[float] = []
    rates: list[float | None] = []
    for last in range(first, end):
        low = last - window + 1
        if low < first and since_s > 0:
            continue
        numbers = range(max(low, first), last + 1)
        if len(numbers) < shortest:
            continue
        attempts = sum(per_bucket.get(n, (0, 0))[0] for n in numbers)
        succeeded = sum(per_bucket.get(n, (0, 0))[1] for n in numbers)
        payments.append(succeeded * 60 / (len(numbers) * bucket_s))
        rates.append(succeeded / attempts if attempts else None)
    return Trend(payments_per_min=payments, success_rate=rates)

"""What the live service shows of providers: current settings and recent traffic.

``provider_settings`` is the newest version of each provider's row in
``provider_config`` (a change through the API adds a version).
``provider_traffic`` is each provider's attempts, success rate and latency
over a recent span of simulated time (the health route uses the last minute);
``provider_traffic_series`` is the same per provider and time bucket, for the
charts of success rate and latency over the run; ``traffic_span`` is the span of
whole buckets a request for a time range gets.
"""

from __future__ import annotations

import math
import typing
from typing import Any, TypedDict

from sqlalchemy import Integer, cast, func, literal, select

from storage.queries.common import Source, _connect
from storage.schema import PaymentAttempt, ProviderConfig


class ProviderSettings(TypedDict):
    name: str
    version: int
    priority: int
    enabled: bool
    methods: list[str]
    fee_bp: int
    fee_fixed_minor: int
    timeout_ms: float
    config: dict[str, Any]
    changed_at_s: float


class ProviderTraffic(TypedDict):
    provider: str
    attempts: int
    succeeded: int
    success_rate: float | None  # None: no attempt finished in the span
    latency_p50_ms: float | None
    latency_p99_ms: float | None


class TrafficBucket(TypedDict):
    provider: str
    start_s: float  # the bucket is [start_s, start_s + bucket_s) of finish times
    attempts: int
    succeeded: int
    success_rate: float
    latency_p50_ms: float
    latency_p99_ms: float


MAX_BUCKETS = 720  # per provider in one answer: a chart's worth


def traffic_span(
    now_s: float, bucket_s: float, since_s: float | None = None, until_s: float | None = None
) -> tuple[float, float]:
    """The whole buckets of ``bucket_s`` that cover ``[since_s, until_s)``, at most
    ``MAX_BUCKETS``: the last ones of a longer range, as a chart of the latest traffic wants.

    Without ``until_s`` the range ends with the bucket the clock ``now_s`` is in (still
    filling); without ``since_s`` it is the ``MAX_BUCKETS`` buckets before its end. An empty
    range (``until_s`` at or before ``since_s``) is ``(x, x)``: no bucket."""
    if not bucket_s > 0:
        raise ValueError("bucket_s must be > 0")
    # In bucket numbers, so that the span is a whole number of buckets exactly; without an
    # end, up to and with the bucket the clock is in.
    last = math.floor(now_s / bucket_s) + 1 if until_s is None else math.ceil(until_s / bucket_s)
    first = last - MAX_BUCKETS if since_s is None else math.floor(since_s / bucket_s)
    first = max(0, first, last - MAX_BUCKETS)
    if last < first or (since_s is not None and until_s is not None and until_s <= since_s):
        last = first
    return first * bucket_s, last * bucket_s


def check_series(since_s: float, until_s: float, bucket_s: float) -> None:
    """A ``ValueError`` unless ``[since_s, until_s)`` is at most ``MAX_BUCKETS`` buckets."""
    if not bucket_s > 0 or until_s < since_s:
        raise ValueError("bucket_s must be > 0 and until_s >= since_s")
    if (until_s - since_s) / bucket_s > MAX_BUCKETS * (1 + 1e-9):  # a float's rounding
        raise ValueError(f"more than {MAX_BUCKETS} buckets: widen bucket_s or shorten the span")


def success_rate(succeeded: int, attempts: int) -> float:
    return round(succeeded / attempts, 4)


def provider_settings(db: Source, run_id: str) -> list[ProviderSettings]:
    """Each provider's newest configuration, by priority then name."""
    pc = ProviderConfig
    newest = (
        select(pc.name, func.max(pc.version).label("version"))
        .where(pc.run_id == run_id)
        .group_by(pc.name)
        .subquery()
    )
    query = (
        select(pc.name, pc.version, pc.priority, pc.enabled, pc.methods, pc.fee_bp,
               pc.fee_fixed_minor, pc.timeout_ms, pc.config, pc.changed_at_s)
        .join(newest, (pc.name == newest.c.name) & (pc.version == newest.c.version))
        .where(pc.run_id == run_id)
        .order_by(pc.priority, pc.name)
    )  # fmt: skip
    with _connect(db) as connection:
        return [typing.cast(ProviderSettings, row._asdict()) for row in connection.execute(query)]


def provider_traffic(db: Source, run_id: str, since_s: float) -> dict[str, ProviderTraffic]:
    """Per provider, the attempts that finished at or after ``since_s``."""
    p = PaymentAttempt
    query = (
        select(
            p.provider,
            func.count().label("attempts"),
            func.sum(cast(p.succeeded, Integer)).label("succeeded"),
            func.percentile_cont(0.5).within_group(p.latency_ms).label("p50"),
            func.percentile_cont(0.99).within_group(p.latency_ms).label("p99"),
        )
        .where(p.run_id == run_id, p.finished_at_s >= since_s)
        .group_by(p.provider)
    )
    with _connect(db) as connection:
        rows = connection.execute(query).all()
    return {
        row.provider: ProviderTraffic(
            provider=row.provider,
            attempts=int(row.attempts),
            succeeded=int(row.succeeded or 0),
            success_rate=success_rate(int(row.succeeded or 0), int(row.attempts)),
            latency_p50_ms=None if row.p50 is None else float(row.p50),
            latency_p99_ms=None if row.p99 is None else float(row.p99),
        )
        for row in rows
    }


def provider_traffic_series(
    db: Source, run_id: str, since_s: float, until_s: float, bucket_s: float
) -> list[TrafficBucket]:
    """Per provider and ``bucket_s`` of simulated time from ``since_s`` (a multiple of
    ``bucket_s``) to ``until_s``: attempts finished, success rate, latency p50 and p99.

    Buckets without a finished attempt are left out. At most ``MAX_BUCKETS`` buckets
    a provider: a longer span is a ``ValueError`` (ask for wider buckets).
    """
    check_series(since_s, until_s, bucket_s)
    p = PaymentAttempt
    bucket = func.floor(p.finished_at_s / literal(bucket_s)).label("bucket")
    query = (
        select(
            p.provider,
            bucket,
            func.count().label("attempts"),
            func.sum(cast(p.succeeded, Integer)).label("succeeded"),
            func.percentile_cont(0.5).within_group(p.latency_ms).label("p50"),
            func.percentile_cont(0.99).within_group(p.latency_ms).label("p99"),
        )
        .where(p.run_id == run_id, p.finished_at_s >= since_s, p.finished_at_s < until_s)
        .group_by(p.provider, bucket)
        .order_by(bucket, p.provider)
    )
    with _connect(db) as connection:
        rows = connection.execute(query).all()
    return [
        TrafficBucket(
            provider=row.provider,
            start_s=float(row.bucket) * bucket_s,
            attempts=int(row.attempts),
            succeeded=int(row.succeeded or 0),
            success_rate=success_rate(int(row.succeeded or 0), int(row.attempts)),
            latency_p50_ms=float(row.p50),
            latency_p99_ms=float(row.p99),
        )
        for row in rows
    ]

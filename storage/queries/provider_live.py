"""What the live service shows of providers: current settings and recent traffic.

``provider_settings`` is the newest version of each provider's row in
``provider_config`` (a change through the API adds a version).
``provider_traffic`` is each provider's attempts, success rate and latency
over a recent span of simulated time (the health route uses the last minute).
"""

from __future__ import annotations

import typing
from typing import Any, TypedDict

from sqlalchemy import Integer, cast, func, select

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
            success_rate=round(int(row.succeeded or 0) / int(row.attempts), 4),
            latency_p50_ms=None if row.p50 is None else float(row.p50),
            latency_p99_ms=None if row.p99 is None else float(row.p99),
        )
        for row in rows
    }

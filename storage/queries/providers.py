"""Provider health and breaker state: now, per provider, and as a timeline of changes."""

from __future__ import annotations

import typing

from sqlalchemy import func, select

from actors.breaker import BreakerState
from actors.health import Health
from storage.queries.common import MAX_LIMIT, Source, _bounded, _connect, _worst
from storage.queries.shapes import HealthEvent, ProviderStatus, SourceState
from storage.schema import ProviderConfig, ProviderHealth

# Worst last: the state a dashboard shows when replicas disagree.
HEALTH_ORDER = (Health.HEALTHY, Health.DEGRADED, Health.DOWN)
BREAKER_ORDER = (
    BreakerState.CLOSED,
    BreakerState.HALF_OPEN,
    BreakerState.OPEN,
    BreakerState.FORCED_OPEN,
    BreakerState.DISABLED,
)


def provider_status(db: Source, run_id: str) -> list[ProviderStatus]:
    """Per provider (configured or reported), the worst current health and breaker state
    across the replicas that report them, each replica's latest, and the last change."""
    ph = ProviderHealth
    ranked = (
        select(
            ph.provider,
            ph.source,
            ph.kind,
            ph.state,
            ph.at_s,
            func.row_number()
            .over(
                partition_by=(ph.provider, ph.source, ph.kind),
                order_by=(ph.at_s.desc(), ph.seq.desc()),
            )
            .label("rank"),
        )
        .where(ph.run_id == run_id)
        .subquery()
    )
    latest = (
        select(ranked.c.provider, ranked.c.source, ranked.c.kind, ranked.c.state, ranked.c.at_s)
        .where(ranked.c.rank == 1)
        .order_by(ranked.c.provider, ranked.c.source)
    )
    configured = select(ProviderConfig.name).where(ProviderConfig.run_id == run_id).distinct()
    with _connect(db) as connection:
        rows = connection.execute(latest).all()
        names = set(connection.scalars(configured))
    sources: dict[str, dict[str, SourceState]] = {name: {} for name in names}
    for provider, source, kind, state, at_s in rows:
        detail = sources.setdefault(provider, {}).setdefault(
            source, SourceState(source=source, health=None, health_at_s=None, breaker=None,
                                breaker_at_s=None),
        )  # fmt: skip
        if kind == "health":
            detail["health"], detail["health_at_s"] = state, at_s
        else:
            detail["breaker"], detail["breaker_at_s"] = state, at_s
    return [_provider(name, list(sources[name].values())) for name in sorted(sources)]


def _provider(name: str, sources: list[SourceState]) -> ProviderStatus:
    times = [t for s in sources for t in (s["health_at_s"], s["breaker_at_s"]) if t is not None]
    return ProviderStatus(
        provider=name,
        health=_worst((s["health"] for s in sources if s["health"]), HEALTH_ORDER),
        breaker=_worst((s["breaker"] for s in sources if s["breaker"]), BREAKER_ORDER),
        last_change_s=max(times, default=None),
        sources=sources,
    )


def health_timeline(
    db: Source,
    run_id: str,
    provider: str | None = None,
    since_s: float | None = None,
    limit: int = MAX_LIMIT,
) -> list[HealthEvent]:
    """Health and breaker changes, oldest first, from ``since_s`` (inclusive) on."""
    ph = ProviderHealth
    query = select(ph.at_s, ph.provider, ph.source, ph.kind, ph.state, ph.previous, ph.reason)
    query = query.where(ph.run_id == run_id)
    if provider is not None:
        query = query.where(ph.provider == provider)
    if since_s is not None:
        query = query.where(ph.at_s >= since_s)
    query = query.order_by(ph.at_s, ph.source, ph.seq).limit(_bounded(limit, MAX_LIMIT))
    with _connect(db) as connection:
        return [typing.cast(HealthEvent, row._asdict()) for row in connection.execute(query)]

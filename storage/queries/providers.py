"""Provider health and breaker state: now, per provider, and as a timeline of changes."""

from __future__ import annotations

import typing
from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, select

from actors.breaker import BreakerState
from actors.health import Health
from storage.queries.common import MAX_LIMIT, Source, _bounded, _connect, _worst
from storage.queries.shapes import HealthEvent, ProviderChange, ProviderStatus, SourceState
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


def _latest(run_id: str, before_s: float | None = None) -> Any:
    """Each replica's latest health and breaker state per provider (before ``before_s``)."""
    ph = ProviderHealth
    ranked = select(
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
    ).where(ph.run_id == run_id)
    if before_s is not None:
        ranked = ranked.where(ph.at_s < before_s)
    latest = ranked.subquery()
    return (
        select(latest.c.provider, latest.c.source, latest.c.kind, latest.c.state, latest.c.at_s)
        .where(latest.c.rank == 1)
        .order_by(latest.c.provider, latest.c.source)
    )


def provider_status(db: Source, run_id: str) -> list[ProviderStatus]:
    """Per provider (configured or reported), the worst current health and breaker state
    across the replicas that report them, each replica's latest, and the last change."""
    configured = select(ProviderConfig.name).where(ProviderConfig.run_id == run_id).distinct()
    with _connect(db) as connection:
        rows = connection.execute(_latest(run_id)).all()
        names = set(connection.scalars(configured))
    return statuses(names, [tuple(row) for row in rows])


LatestState = tuple[str, str, str, str, float]  # provider, source, kind, state, at_s


def statuses(names: Iterable[str], latest: Iterable[LatestState]) -> list[ProviderStatus]:
    """``provider_status`` from each replica's latest state of each kind (``latest``) and
    the configured providers (``names``): the database's rows, or a live run's memory."""
    sources: dict[str, dict[str, SourceState]] = {name: {} for name in names}
    for provider, source, kind, state, at_s in latest:
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


def provider_timeline(
    db: Source, run_id: str, since_s: float | None = None, limit: int = MAX_LIMIT
) -> list[ProviderChange]:
    """``health_timeline`` with, on each change, the provider's health and breaker after it:
    the worst across the replicas that report them, as ``provider_status`` (None: no replica
    has reported that kind yet). Changes before ``since_s`` seed the states."""
    with _connect(db) as connection:
        seed = [] if since_s is None else connection.execute(_latest(run_id, since_s)).all()
        events = health_timeline(connection, run_id, since_s=since_s, limit=limit)
    states = {(provider, source, kind): state for provider, source, kind, state, _ in seed}
    return [with_states(event, states) for event in events]


def with_states(event: HealthEvent, states: dict[tuple[str, str, str], str]) -> ProviderChange:
    """``event`` applied to ``states`` (each replica's latest state of each kind, changed in
    place), with the provider's worst health and breaker state after it."""
    states[(event["provider"], event["source"], event["kind"])] = event["state"]
    mine = [(kind, state) for (p, _, kind), state in states.items() if p == event["provider"]]
    return ProviderChange(
        **event,
        provider_health=_worst((s for k, s in mine if k == "health"), HEALTH_ORDER),
        provider_breaker=_worst((s for k, s in mine if k == "breaker"), BREAKER_ORDER),
    )

"""The public health view of providers: state, breaker, the last minute of traffic, the
changes of state over the run and the traffic by bucket of simulated time.

Each answer comes from the database, or while it cannot be reached from what the engine
holds in memory (``Engine.providers_in_memory``), and says which (``database``):
operators keep their view of the providers during an outage, when they need it most.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from actors.breaker import BreakerState
from actors.health import Health
from storage.database import Database, DatabaseError, connection_lost
from storage.queries import DatabaseFacts, ProviderFacts, traffic_span
from ui.api.live_port import Engine, EngineStatus
from ui.api.views import (
    DatabaseState,
    ProviderChangeOut,
    ProviderHealthOut,
    ProvidersHealthOut,
    ProviderTimelineOut,
    ProviderTrafficOut,
    TrafficBucketOut,
)

# Health and breaker states are recorded on change: a provider, or a kind, never reported is
# in the state its monitor and breaker (actors.health, actors.breaker) start in.
INITIAL = Health.HEALTHY.value
INITIAL_BREAKER = BreakerState.CLOSED.value
WINDOW_S = 60.0  # "the last minute" of simulated time
log = logging.getLogger("invoicesim.api")

T = TypeVar("T")


def _read(
    db: Database, engine: Engine, run_id: str, read: Callable[[ProviderFacts], T]
) -> tuple[DatabaseState, T]:
    """``read`` from the database, or from the engine's memory if the database is away."""
    try:
        return "available", read(DatabaseFacts(db, run_id))
    except DatabaseError as error:
        memory = engine.providers_in_memory()
        if not connection_lost(error) or memory is None:
            raise
        log.info("provider read answered from the engine's memory: %s", error)
        return "unavailable", read(memory)


def provider_health(db: Database, engine: Engine, run_id: str, now_s: float) -> ProvidersHealthOut:
    def read(facts: ProviderFacts) -> list[ProviderHealthOut]:
        traffic = facts.traffic(max(0.0, now_s - WINDOW_S))
        out = []
        for status in facts.status():
            seen = traffic.get(status["provider"])
            changed_s = status["last_change_s"]
            out.append(
                ProviderHealthOut(
                    provider=status["provider"],
                    status=status["health"] or INITIAL,  # type: ignore[arg-type]
                    breaker=status["breaker"] or INITIAL_BREAKER,  # type: ignore[arg-type]
                    attempts_last_minute=0 if seen is None else seen["attempts"],
                    success_rate=None if seen is None else seen["success_rate"],
                    latency_p50_ms=None if seen is None else seen["latency_p50_ms"],
                    latency_p99_ms=None if seen is None else seen["latency_p99_ms"],
                    last_change_s=changed_s,
                    last_change_at=None if changed_s is None else engine.wall_time(changed_s),
                )
            )
        return out

    database, providers = _read(db, engine, run_id, read)
    return ProvidersHealthOut(database=database, providers=providers)


def health_changes(
    db: Database,
    engine: Engine,
    run_id: str,
    since_s: float | None,
    limit: int,
) -> ProviderTimelineOut:
    def read(facts: ProviderFacts) -> list[ProviderChangeOut]:
        return [
            ProviderChangeOut(
                at_s=c["at_s"],
                at=engine.wall_time(c["at_s"]),
                provider=c["provider"],
                source=c["source"],
                kind=c["kind"],  # type: ignore[arg-type]
                state=c["state"],
                previous=c["previous"],
                reason=c["reason"],
                provider_status=c["provider_health"] or INITIAL,  # type: ignore[arg-type]
                provider_breaker=c["provider_breaker"] or INITIAL_BREAKER,  # type: ignore[arg-type]
            )
            for c in facts.timeline(since_s, limit)
        ]

    database, changes = _read(db, engine, run_id, read)
    return ProviderTimelineOut(database=database, changes=changes)


def traffic_buckets(
    db: Database,
    engine: Engine,
    status: EngineStatus,
    bucket_s: float,
    since_s: float | None,
    until_s: float | None,
) -> ProviderTrafficOut:
    """The whole buckets of ``bucket_s`` covering ``since_s`` to ``until_s`` (default: the
    clock now), at most 720 (``storage.queries.traffic_span``)."""
    assert status.run_id is not None
    first, until = traffic_span(status.sim_now_s, bucket_s, since_s, until_s)

    def read(facts: ProviderFacts) -> list[TrafficBucketOut]:
        rows = facts.traffic_series(first, until, bucket_s)
        return [TrafficBucketOut.model_validate(row) for row in rows]

    database, buckets = _read(db, engine, status.run_id, read)
    return ProviderTrafficOut(database=database, buckets=buckets)

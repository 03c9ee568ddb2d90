"""The public health view of providers: state, breaker, the last minute of traffic, and
the changes of state over the run."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from actors.breaker import BreakerState
from actors.health import Health
from storage.database import Database
from storage.queries import provider_status, provider_timeline, provider_traffic
from ui.api.views import ProviderChangeOut, ProviderHealthOut

# Health and breaker states are recorded on change: a provider, or a kind, never reported is
# in the state its monitor and breaker (actors.health, actors.breaker) start in.
INITIAL = Health.HEALTHY.value
INITIAL_BREAKER = BreakerState.CLOSED.value
WINDOW_S = 60.0  # "the last minute" of simulated time


def provider_health(
    db: Database, run_id: str, now_s: float, wall_time: Callable[[float], datetime]
) -> list[ProviderHealthOut]:
    traffic = provider_traffic(db, run_id, since_s=max(0.0, now_s - WINDOW_S))
    out = []
    for status in provider_status(db, run_id):
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
                last_change_at=None if changed_s is None else wall_time(changed_s),
            )
        )
    return out


def health_changes(
    db: Database,
    run_id: str,
    since_s: float | None,
    limit: int,
    wall_time: Callable[[float], datetime],
) -> list[ProviderChangeOut]:
    return [
        ProviderChangeOut(
            at_s=c["at_s"],
            at=wall_time(c["at_s"]),
            provider=c["provider"],
            source=c["source"],
            kind=c["kind"],  # type: ignore[arg-type]
            state=c["state"],
            previous=c["previous"],
            reason=c["reason"],
            provider_status=c["provider_health"] or INITIAL,  # type: ignore[arg-type]
            provider_breaker=c["provider_breaker"] or INITIAL_BREAKER,  # type: ignore[arg-type]
        )
        for c in provider_timeline(db, run_id, since_s, limit)
    ]

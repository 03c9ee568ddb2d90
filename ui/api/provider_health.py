"""The public health view of providers: state, breaker, and the last minute of traffic."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from actors.health import Health
from storage.database import Database
from storage.queries import provider_status, provider_traffic
from ui.api.views import ProviderHealthOut

INITIAL = Health.HEALTHY.value  # what a provider's health monitor (actors.health) starts as
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
                # Health is recorded on change; a provider never reported is as it started.
                status=status["health"] or INITIAL,  # type: ignore[arg-type]
                breaker=status["breaker"],
                attempts_last_minute=0 if seen is None else seen["attempts"],
                success_rate=None if seen is None else seen["success_rate"],
                latency_p50_ms=None if seen is None else seen["latency_p50_ms"],
                latency_p99_ms=None if seen is None else seen["latency_p99_ms"],
                last_change_s=changed_s,
                last_change_at=None if changed_s is None else wall_time(changed_s),
            )
        )
    return out

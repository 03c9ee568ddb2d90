"""Providers: public health now and over the run, settings (admin), and faults injected
now (admin, remembered for ``GET /faults``). The public reads answer from the engine's
memory while the database is away (``ui.api.provider_health``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import TypeAdapter

from simulation.commands import (
    ClearFault,
    ConfigureProvider,
    FaultCleared,
    FaultStarted,
    StartFault,
)
from storage.queries import MAX_LIMIT, provider_settings
from ui.api.auth import AdminOnly
from ui.api.deps import Db, Faults, LiveEngine, LiveRun, LiveStatus, Reads, Settings
from ui.api.hot_path import HEALTH_KEY
from ui.api.provider_health import health_changes, provider_health, traffic_buckets
from ui.api.requests import NewFault, ProviderChange
from ui.api.responses import FaultClearedOut, FaultStartedOut, ProviderConfiguredOut
from ui.api.routes.common import (
    CONFLICT,
    FOUND,
    PREFIX,
    PROTECTED,
    PUBLIC,
    ProviderName,
    json_body,
)
from ui.api.views import (
    ProviderSettingsOut,
    ProvidersHealthOut,
    ProviderTimelineOut,
    ProviderTrafficOut,
)

router = APIRouter(prefix=f"{PREFIX}/providers", tags=["providers"])
MAX_SIM_S = 1e9
HEALTH = TypeAdapter(ProvidersHealthOut)


@router.get("/health", responses=PUBLIC, response_model=ProvidersHealthOut)
async def health(db: Db, engine: LiveEngine, status: LiveStatus, reads: Reads) -> Response:
    """Per provider: healthy / degraded / down, breaker state, the last minute of traffic
    (shared by the requests of a quarter second: the engine writes as often). While
    PostgreSQL cannot be reached, from the engine's memory (`database`: `unavailable`)."""
    run_id = status.run_id
    assert run_id is not None

    def compute() -> bytes:
        return HEALTH.dump_json(provider_health(db, engine, run_id, engine.status().sim_now_s))

    return json_body(await reads.get((HEALTH_KEY, run_id), compute))


@router.get("/health/timeline", responses=PUBLIC)
def health_timeline(
    db: Db,
    engine: LiveEngine,
    status: LiveStatus,
    since_s: Annotated[
        float | None,
        Query(ge=0, le=MAX_SIM_S, allow_inf_nan=False, description="From this simulated time on."),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 500,
) -> ProviderTimelineOut:
    """Health and breaker changes of the running scenario, oldest first, each with the
    provider's state after it; page on with `since_s` = the last `at_s` (inclusive). While
    PostgreSQL cannot be reached, from the engine's memory (`database`: `unavailable`)."""
    assert status.run_id is not None
    return health_changes(db, engine, status.run_id, since_s, limit)


@router.get("/traffic", responses=PUBLIC)
def traffic(
    db: Db,
    engine: LiveEngine,
    status: LiveStatus,
    bucket_s: Annotated[
        float, Query(ge=1, le=3600, allow_inf_nan=False, description="Bucket width, simulated s.")
    ] = 10.0,
    since_s: Annotated[
        float | None,
        Query(ge=0, le=MAX_SIM_S, allow_inf_nan=False, description="From this simulated time on."),
    ] = None,
    until_s: Annotated[
        float | None,
        Query(ge=0, le=MAX_SIM_S, allow_inf_nan=False, description="Up to this simulated time."),
    ] = None,
) -> ProviderTrafficOut:
    """Success rate and latency (p50, p99) per provider and bucket of simulated time, for
    the charts over the run: the whole buckets covering `since_s` to `until_s` (exclusive;
    default: the clock now), at most 720: the last 720 of a longer range, and without
    `since_s` the 720 before its end. An empty range (`until_s` at or before `since_s`) has
    no bucket. A bucket is still filling while the clock is inside it; buckets without an
    attempt are left out. While PostgreSQL cannot be reached, from the engine's memory
    (`database`: `unavailable`)."""
    return traffic_buckets(db, engine, status, bucket_s, since_s, until_s)


@router.get("", responses=PROTECTED)
def list_providers(caller: AdminOnly, db: Db, run: LiveRun) -> list[ProviderSettingsOut]:
    """Each provider's current settings (the newest version in provider_config)."""
    return [ProviderSettingsOut.model_validate(row) for row in provider_settings(db, run)]


@router.patch("/{name}", responses=PROTECTED | FOUND)
def configure(
    caller: AdminOnly, name: ProviderName, change: ProviderChange, engine: LiveEngine,
    settings: Settings,
) -> ProviderConfiguredOut:  # fmt: skip
    """Change priority, enabled or breaker settings; a new version, effective next window."""
    command = ConfigureProvider(provider=name, **change.model_dump())
    return ProviderConfiguredOut.model_validate(engine.submit(command, settings.command_timeout_s))


@router.post("/{name}/faults", status_code=201, responses=PROTECTED | FOUND | CONFLICT)
def start_fault(
    caller: AdminOnly, name: ProviderName, fault: NewFault, engine: LiveEngine, run: LiveRun,
    settings: Settings, log: Faults,
) -> FaultStartedOut:  # fmt: skip
    """Put the provider down, silent, slow or erroring now, optionally for `duration_s`."""
    command = StartFault(provider=name, **fault.model_dump())
    result = engine.submit(command, settings.command_timeout_s)
    assert isinstance(result, FaultStarted), type(result)
    log.started(run, command, result, engine.wall_time(result.started_at_s))
    return FaultStartedOut.model_validate(result)


@router.delete("/{name}/faults", responses=PROTECTED | FOUND)
def clear_fault(
    caller: AdminOnly, name: ProviderName, engine: LiveEngine, run: LiveRun, settings: Settings,
    log: Faults,
) -> FaultClearedOut:  # fmt: skip
    """Restore the provider: its fault ends now."""
    result = engine.submit(ClearFault(provider=name), settings.command_timeout_s)
    assert isinstance(result, FaultCleared), type(result)
    log.cleared(run, result, engine.wall_time(result.cleared_at_s))
    return FaultClearedOut.model_validate(result)

"""Providers: public health, settings (admin), and faults injected now (admin)."""

from __future__ import annotations

from fastapi import APIRouter

from simulation.commands import ClearFault, ConfigureProvider, StartFault
from storage.queries import provider_settings
from ui.api.auth import AdminOnly
from ui.api.deps import Db, LiveEngine, LiveRun, LiveStatus, Settings
from ui.api.provider_health import provider_health
from ui.api.requests import NewFault, ProviderChange
from ui.api.responses import FaultClearedOut, FaultStartedOut, ProviderConfiguredOut
from ui.api.routes.common import CONFLICT, FOUND, PREFIX, PROTECTED, PUBLIC, ProviderName
from ui.api.views import ProviderHealthOut, ProviderSettingsOut

router = APIRouter(prefix=f"{PREFIX}/providers", tags=["providers"])


@router.get("/health", responses=PUBLIC)
def health(db: Db, engine: LiveEngine, status: LiveStatus) -> list[ProviderHealthOut]:
    """Per provider: healthy / degraded / down, breaker state, the last minute of traffic."""
    assert status.run_id is not None
    return provider_health(db, status.run_id, status.sim_now_s, engine.wall_time)


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
    caller: AdminOnly, name: ProviderName, fault: NewFault, engine: LiveEngine,
    settings: Settings,
) -> FaultStartedOut:  # fmt: skip
    """Put the provider down, silent, slow or erroring now, optionally for `duration_s`."""
    command = StartFault(provider=name, **fault.model_dump())
    return FaultStartedOut.model_validate(engine.submit(command, settings.command_timeout_s))


@router.delete("/{name}/faults", responses=PROTECTED | FOUND)
def clear_fault(
    caller: AdminOnly, name: ProviderName, engine: LiveEngine, settings: Settings
) -> FaultClearedOut:
    """Restore the provider: its fault ends now."""
    result = engine.submit(ClearFault(provider=name), settings.command_timeout_s)
    return FaultClearedOut.model_validate(result)

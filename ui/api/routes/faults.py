"""Faults of the running scenario: scheduled by its file, and injected through the API."""

from __future__ import annotations

from fastapi import APIRouter

from storage.queries import get_run
from ui.api.auth import AnyRole
from ui.api.deps import Db, Faults, LiveEngine, LiveStatus, Settings
from ui.api.faults import fault_spans
from ui.api.routes.common import PREFIX, PROTECTED
from ui.api.views import FaultOut

router = APIRouter(prefix=PREFIX, tags=["faults"])


@router.get("/faults", responses=PROTECTED)
def faults(
    caller: AnyRole, db: Db, engine: LiveEngine, live: LiveStatus, settings: Settings, log: Faults
) -> list[FaultOut]:
    """Every fault of the running scenario, oldest first: those its file schedules (when the
    file in the scenarios folder is the one running) and those injected through the API."""
    assert live.run_id is not None and live.scenario is not None
    run_id = live.run_id
    scheduled = log.scheduled(
        run_id, settings.scenarios_dir, live.scenario, lambda: get_run(db, run_id)["scenario_hash"]
    )
    return fault_spans(scheduled, log.actions(run_id), live.sim_now_s, engine.wall_time)

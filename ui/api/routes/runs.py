"""Scenarios (list, start, stop) and recorded runs (list, report) of any run."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from storage.queries import MAX_LIMIT, compare_runs, list_runs, run_report
from ui.api.auth import AdminOnly, AnyRole
from ui.api.deps import Db, LiveEngine, Settings
from ui.api.requests import PRINTABLE
from ui.api.responses import RunStarted, RunStopped, ScenarioOut
from ui.api.routes.common import FOUND, PREFIX, PROTECTED
from ui.api.scenarios import find_scenario, list_scenarios
from ui.api.views import ComparisonOut, RunSummaryOut

router = APIRouter(prefix=PREFIX, tags=["scenarios and runs"])

ScenarioName = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$")]
RunId = Annotated[str, Path(min_length=1, max_length=200, pattern=PRINTABLE)]
RunParam = Annotated[
    str,
    Query(min_length=1, max_length=200, pattern=PRINTABLE, description="A run id (GET /runs)."),
]


@router.get("/scenarios", responses=PROTECTED)
def scenarios(caller: AnyRole, settings: Settings) -> list[ScenarioOut]:
    """The scenarios that can be started, by name."""
    return list_scenarios(settings.scenarios_dir)


@router.post("/scenarios/{name}/start", status_code=201, responses=PROTECTED | FOUND)
def start(
    caller: AdminOnly, name: ScenarioName, engine: LiveEngine, settings: Settings
) -> RunStarted:
    """Stop the running scenario, if any, and start this one on the paced clock."""
    scenario = find_scenario(settings.scenarios_dir, name)
    return RunStarted(run_id=engine.start(scenario), scenario=scenario.name)


@router.post("/scenarios/stop", responses=PROTECTED)
def stop(caller: AdminOnly, engine: LiveEngine) -> RunStopped:
    """Stop the running scenario cleanly (its last window is recorded)."""
    return RunStopped(run_id=engine.stop())


@router.get("/runs", tags=["runs"], responses=PROTECTED)
def runs(
    caller: AnyRole, db: Db, limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50
) -> list[RunSummaryOut]:
    """Recorded runs, newest first."""
    return [RunSummaryOut.model_validate(r) for r in list_runs(db, limit)]


@router.get("/runs/compare", tags=["runs"], responses=PROTECTED | FOUND)
def compare(caller: AnyRole, db: Db, a: RunParam, b: RunParam) -> ComparisonOut:
    """Two runs figure by figure (counts, latency, throughput, each fault's failover times,
    assertions, invariants), with `b - a` where both are numbers, and whether the digests
    are equal."""
    return ComparisonOut.model_validate(compare_runs(db, a, b))


@router.get("/runs/{run_id}/report", tags=["runs"], responses=PROTECTED | FOUND)
def report(caller: AnyRole, db: Db, run_id: RunId) -> dict[str, Any]:
    """The report of an ended run (what report.json holds)."""
    return run_report(db, run_id)

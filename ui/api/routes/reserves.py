"""Reserves: balance now, daily history, reconciliations (on demand: admin), alerts."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import AfterValidator, TypeAdapter

from simulation.commands import Reconcile
from storage.queries import (
    HISTORY_DAYS,
    MAX_LIMIT,
    list_alerts,
    list_reconciliations,
    reserves_daily,
    reserves_now,
)
from ui.api.auth import AdminOnly, AnyRole
from ui.api.deps import Db, LiveEngine, LiveRun, Reads, Settings
from ui.api.responses import ReconciledOut
from ui.api.routes.common import PREFIX, PROTECTED, json_body
from ui.api.views import AlertOut, DailyReservesOut, ReconciliationOut, ReservesOut

router = APIRouter(prefix=PREFIX, tags=["reserves"])


def _history_days(days: int) -> int:
    if days not in HISTORY_DAYS:
        raise ValueError(f"days must be one of {', '.join(map(str, HISTORY_DAYS))}")
    return days


# An int checked by _history_days (a Literal refuses the query's "30"), an enum in the schema.
HistoryDays = Annotated[
    int,
    AfterValidator(_history_days),
    Query(description="7 or 30 days.", json_schema_extra={"enum": list(HISTORY_DAYS)}),
]


@router.get("/reserves/balance", responses=PROTECTED, response_model=ReservesOut)
async def balance(caller: AnyRole, db: Db, run: LiveRun, reads: Reads) -> Response:
    """Fiat reserve, in transit, minted, ratio, discrepancy and the last reconciliation
    (shared by the requests of a quarter second: the engine writes as often)."""

    def compute() -> bytes:
        return ReservesOut.model_validate(reserves_now(db, run)).model_dump_json().encode()

    return json_body(await reads.get(("reserves/balance", run), compute))


_DAYS = TypeAdapter(list[DailyReservesOut])


@router.get("/reserves/history", responses=PROTECTED, response_model=list[DailyReservesOut])
async def history(
    caller: AnyRole, db: Db, run: LiveRun, reads: Reads, days: HistoryDays = 7
) -> Response:
    """Closing balances, ratio and worst reconciliation of each of the last `days` days
    (shared by the requests of a quarter second, as the balance)."""

    def compute() -> dict[int, bytes]:
        # A shorter history is the end of the longest (a day's closing balances count
        # every earlier day), so one query answers both.
        longest = reserves_daily(db, run, max(HISTORY_DAYS))
        return {n: _DAYS.dump_json(_DAYS.validate_python(longest[-n:])) for n in HISTORY_DAYS}

    answers: dict[int, bytes] = await reads.get(("reserves/history", run), compute)
    return json_body(answers[days])


@router.get("/reserves/reconciliations", responses=PROTECTED)
def reconciliations(
    caller: AnyRole, db: Db, run: LiveRun, limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 100
) -> list[ReconciliationOut]:
    """The running scenario's reconciliations, newest first, each with the custodian
    statement snapshot it used."""
    return [ReconciliationOut.model_validate(r) for r in list_reconciliations(db, run, limit)]


@router.post("/reserves/reconcile", responses=PROTECTED)
def reconcile(caller: AdminOnly, engine: LiveEngine, settings: Settings) -> ReconciledOut:
    """Reconcile the reserve against the custodian's statement now."""
    return ReconciledOut.model_validate(engine.submit(Reconcile(), settings.command_timeout_s))


_ALERTS = TypeAdapter(list[AlertOut])


@router.get("/alerts", tags=["alerts"], responses=PROTECTED, response_model=list[AlertOut])
async def alerts(
    caller: AnyRole,
    db: Db,
    run: LiveRun,
    reads: Reads,
    severity: Literal["info", "warning", "breach"] | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 100,
) -> Response:
    """The newest alerts first, optionally of one severity (shared for a quarter second)."""

    def compute() -> bytes:
        return _ALERTS.dump_json(_ALERTS.validate_python(list_alerts(db, run, severity, limit)))

    return json_body(await reads.get(("alerts", run, severity, limit), compute))

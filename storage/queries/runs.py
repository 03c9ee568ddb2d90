"""Runs: the list of runs, one run's record, and the report of an ended run."""

from __future__ import annotations

import typing
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from storage.queries.common import (
    MAX_LIMIT,
    RUNS_HINT,
    NotFound,
    Source,
    _bounded,
    _connect,
    _where,
)
from storage.queries.shapes import RunRecord, RunSummary
from storage.schema import Run


def _iso(moment: datetime | None) -> str | None:
    """ISO 8601 in UTC, whatever the session's time zone."""
    return None if moment is None else moment.astimezone(UTC).isoformat()


_COUNTS = ("created", "paid", "double_pays")


def list_runs(db: Source, limit: int = 50) -> list[RunSummary]:
    """The newest runs first, with a few figures of their report."""
    s = Run.summary
    query = (
        select(Run.run_id, Run.scenario_name, Run.seed, Run.shards, Run.runtime, Run.status,
               Run.started_at, Run.ended_at, Run.digest,
               # as_float: a count written as 100.0 must not fail the cast
               s[("invoices", "created")].as_float().label("created"),
               s[("invoices", "paid")].as_float().label("paid"),
               s["double_pays"].as_float().label("double_pays"),
               s["throughput_invoices_per_s"].as_float().label("throughput_invoices_per_s"))
        .order_by(Run.started_at.desc(), Run.run_id.desc())
        .limit(_bounded(limit, MAX_LIMIT))
    )  # fmt: skip
    with _connect(db) as connection:
        rows = connection.execute(query).all()
    return [
        typing.cast(
            RunSummary,
            row._asdict()
            | {k: None if row._mapping[k] is None else int(row._mapping[k]) for k in _COUNTS}
            | {"started_at": _iso(row.started_at), "ended_at": _iso(row.ended_at)},
        )
        for row in rows
    ]


def get_run(db: Source, run_id: str) -> RunRecord:
    """The run's row with its summary (the full report once it ended); ``NotFound`` if none."""
    with _connect(db) as connection:
        query = select(*Run.__table__.columns).where(Run.run_id == run_id)
        run = connection.execute(query).first()
    if run is None:
        raise NotFound(f"no run {run_id!r} in {_where(db)}; {RUNS_HINT}")
    return RunRecord(
        run_id=run.run_id,
        scenario_name=run.scenario_name,
        scenario_hash=run.scenario_hash,
        seed=run.seed,
        shards=run.shards,
        runtime=run.runtime,
        git_commit=run.git_commit,
        options=run.options,
        started_at=run.started_at.astimezone(UTC).isoformat(),
        ended_at=_iso(run.ended_at),
        status=run.status,
        digest=run.digest,
        summary=run.summary,
    )


def run_report(db: Source, run_id: str) -> dict[str, Any]:
    """The report dict of an ended run (what report.json holds), with its run id."""
    run = get_run(db, run_id)
    if run["summary"] is None:
        raise NotFound(
            f"run {run_id!r} has no report yet (status {run['status']}): a report is stored "
            f"when the run ends; {RUNS_HINT}"
        )
    return run["summary"] | {"run_id": run_id}

"""The life of a run in the database: its row, its starting configuration, its verdict."""

from __future__ import annotations

import json
import subprocess
import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, insert, update

from actors import bulk_csv, provider_config
from storage.database import Database
from storage.schema import COPY_COLUMNS, BulkJob, BulkJobRow, ProviderConfig, Run


def git_commit(folder: Path | None = None) -> str | None:
    """The commit the code runs from, when it runs from a git checkout."""
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=folder or Path(__file__).resolve().parent,
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


@dataclass(frozen=True, slots=True, kw_only=True)
class NewRun:
    """A run as it starts: what it runs, where, and what it was handed."""

    scenario_name: str
    scenario_hash: str
    seed: int
    shards: int
    runtime: str
    options: dict[str, Any]
    providers: Sequence[provider_config.ProviderConfig]
    bulk_jobs: Sequence[bulk_csv.BulkJob] = ()


def start_run(db: Database, run: NewRun) -> str:
    """Insert the run (status running), its provider configuration and its bulk jobs."""
    run_id = uuid.uuid4().hex
    with db.engine.begin() as connection:
        connection.execute(
            insert(Run).values(
                run_id=run_id,
                scenario_name=run.scenario_name,
                scenario_hash=run.scenario_hash,
                seed=run.seed,
                shards=run.shards,
                runtime=run.runtime,
                git_commit=git_commit(),
                options=run.options,
                started_at=datetime.now(UTC),
                status="running",
            )
        )
        configs = [_provider_row(run_id, c) for c in run.providers]
        connection.execute(insert(ProviderConfig), configs)
        for job in run.bulk_jobs:
            _insert_bulk_job(connection, run_id, job)
    return run_id


def _provider_row(run_id: str, config: provider_config.ProviderConfig) -> dict[str, Any]:
    data = asdict(config)
    methods = sorted(str(m) for m in data.pop("methods"))
    rest = {k: v for k, v in data.items() if k not in ("name", "priority", "enabled", "fee_bp")}
    return {
        "run_id": run_id,
        "name": config.name,
        "version": 1,
        "priority": config.priority,
        "enabled": config.enabled,
        "methods": methods,
        "fee_bp": config.fee_bp,
        "fee_fixed_minor": config.fee_fixed_minor,
        "timeout_ms": config.timeout_ms,
        "config": json.loads(json.dumps(rest)),
        "changed_at_s": 0.0,
    }


def insert_bulk_job(db: Database, run_id: str, job: bulk_csv.BulkJob) -> None:
    """Record a bulk job submitted during a live run, with its accepted and rejected lines."""
    with db.engine.begin() as connection:
        _insert_bulk_job(connection, run_id, job)


def record_provider_config(
    db: Database,
    run_id: str,
    config: provider_config.ProviderConfig,
    version: int,
    changed_at_s: float,
    breaker: dict[str, Any],
) -> None:
    """A new version of a provider's settings (an admin's change in a live run)."""
    row = _provider_row(run_id, config)
    row.update(version=version, changed_at_s=changed_at_s)
    if breaker:
        row["config"] = {**row["config"], "breaker": breaker}
    with db.engine.begin() as connection:
        connection.execute(insert(ProviderConfig).values(**row))


@dataclass(frozen=True, slots=True, kw_only=True)
class BulkJobState:
    """Where a bulk job stands, with its simulated and wall times."""

    status: str = "queued"
    started_at_s: float | None = None
    started_at: datetime | None = None
    finished_at_s: float | None = None
    finished_at: datetime | None = None
    failure: str | None = None


def _bulk_job_values(job: bulk_csv.BulkJob, state: BulkJobState) -> dict[str, Any]:
    # Rejected: the rows read but not imported. Not the lines with an error: a bad header
    # is an error on no row, and one error stands for every row past the row limit.
    return {
        "job_id": job.job,
        "file": job.file,
        "provider": job.provider or "auto",
        "total_rows": job.rows,
        "accepted": job.accepted,
        "rejected": job.rows - job.accepted,
        "created_at_s": job.at_s,
        **asdict(state),
    }


def bulk_job_record(job: bulk_csv.BulkJob, state: BulkJobState) -> tuple[Any, ...]:
    """The job's ``bulk_jobs`` row for the recorder (``COPY_COLUMNS`` order, no run_id):
    a state change recorded with the run's other rows, resilient to an outage."""
    values = _bulk_job_values(job, state)
    return tuple(values[column] for column in COPY_COLUMNS["bulk_jobs"][1:])


def _insert_bulk_job(connection: Connection, run_id: str, job: bulk_csv.BulkJob) -> None:
    connection.execute(
        insert(BulkJob).values(run_id=run_id, **_bulk_job_values(job, BulkJobState()))
    )
    rows: list[dict[str, Any]] = []
    per_line: dict[int, int] = {}
    for error in job.errors:
        n = per_line.get(error.line, 0)
        per_line[error.line] = n + 1
        rows.append(
            {
                "run_id": run_id,
                "job_id": job.job,
                "line": error.line,
                "error_no": n,
                "invoice_id": None,
                "status": "rejected",
                "column_name": error.column,
                "error": error.reason,
            }
        )
    for draft in job.drafts:
        rows.append(
            {
                "run_id": run_id,
                "job_id": job.job,
                "line": draft.line,
                "error_no": 0,
                "invoice_id": draft.invoice_id,
                "status": "accepted",
                "column_name": None,
                "error": None,
            }
        )
    if rows:
        connection.execute(insert(BulkJobRow), rows)


def finish_run(db: Database, run_id: str, report: dict[str, Any] | None, status: str) -> None:
    """Record the verdict and the whole report (the read side rebuilds pages from it)."""
    values: dict[str, Any] = {"status": status, "ended_at": datetime.now(UTC)}
    if report is not None:
        values["summary"] = json.loads(json.dumps(report, default=str))
        values["digest"] = report.get("digest")
    with db.engine.begin() as connection:
        connection.execute(update(Run).where(Run.run_id == run_id).values(**values))


# The tables a run's history fills by the hundred thousand rows in a few seconds.
HISTORY_TABLES = (
    "invoices",
    "ephemeral_wallets",
    "payment_attempts",
    "ledger_transfers",
    "ledger_entries",
    "wallet_destruction_logs",
    "reserve_reconciliation",
)


def refresh_statistics(db: Database) -> None:
    """ANALYZE the tables a history just filled: until autovacuum gets to them the planner
    believes they hold the few rows it last saw, and may pick plans that cost seconds."""
    with db.engine.begin() as connection:
        for table in HISTORY_TABLES:
            connection.exec_driver_sql(f"ANALYZE {table}")  # names from the list above

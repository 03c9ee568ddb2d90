"""Bulk jobs: a job's progress by outcome, its row errors, and its results (one per line)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, and_, func, select

from storage.queries.common import (
    MAX_LIMIT,
    MAX_RESULT_ROWS,
    NotFound,
    Source,
    _bounded,
    _connect,
    _where,
)
from storage.queries.shapes import BulkProgress, BulkResult, RowErrorRow
from storage.schema import BulkJob, BulkJobRow, Invoice


def _job(connection: Connection, source: Source, run_id: str, job_id: int) -> Any:
    query = select(*BulkJob.__table__.columns)
    job = connection.execute(
        query.where(BulkJob.run_id == run_id, BulkJob.job_id == job_id)
    ).first()
    if job is None:
        raise NotFound(
            f"no bulk job {job_id} in run {run_id!r} in {_where(source)}; "
            f"see the run's bulk jobs in its report (invoicesim report {run_id})"
        )
    return job


def bulk_job_progress(
    db: Source, run_id: str, job_id: int, errors_limit: int = 100
) -> BulkProgress:
    """Counts of a bulk job's lines by outcome, and its first row errors in line order."""
    r = BulkJobRow
    of_job = (r.run_id == run_id, r.job_id == job_id)
    counts = select(r.status, func.count(r.line.distinct())).where(*of_job).group_by(r.status)
    errors = (
        select(r.line, r.column_name, r.error)
        .where(*of_job, r.error.is_not(None))
        .order_by(r.line, r.error_no)
        .limit(_bounded(errors_limit, MAX_LIMIT, "errors_limit"))
    )
    with _connect(db) as connection:
        job = _job(connection, db, run_id, job_id)
        by_status = {status: int(n) for status, n in connection.execute(counts)}
        error_total = connection.execute(
            select(func.count()).where(*of_job, r.error.is_not(None))
        ).scalar_one()
        shown = connection.execute(errors).all()
    ended = ("paid", "failed", "expired", "underpaid", "overpaid")
    succeeded, failed, expired, underpaid, overpaid = (by_status.get(s, 0) for s in ended)
    processed = succeeded + failed + expired + underpaid + overpaid
    accepted = by_status.get("accepted", 0) + processed
    return BulkProgress(
        job_id=job.job_id,
        file=job.file,
        provider=job.provider,
        status=job.status,
        started_at_s=job.started_at_s,
        started_at=job.started_at,
        finished_at_s=job.finished_at_s,
        finished_at=job.finished_at,
        failure=job.failure,
        total=job.total_rows,
        accepted=accepted,
        rejected=by_status.get("rejected", 0),
        processed=processed,
        succeeded=succeeded,
        failed=failed,
        expired=expired,
        underpaid=underpaid,
        overpaid=overpaid,
        pending=accepted - processed,
        errors_total=int(error_total),
        errors=[RowErrorRow(line=ln, column=col, error=err) for ln, col, err in shown],
    )


def bulk_job_results(db: Source, run_id: str, job_id: int, limit: int = 10_000) -> list[BulkResult]:
    """One row per accepted line, in line order, with its invoice's outcome (results CSV)."""
    r, i = BulkJobRow, Invoice
    query = (
        select(r.line, r.invoice_id, r.status.label("row_status"), i.status, i.provider,
               i.payer, i.merchant, i.method, i.due_date,
               i.attempts, i.wallet_address, i.amount_minor, i.currency, i.fee_minor,
               i.created_at_s, i.ended_at_s, i.reason)
        .outerjoin(i, and_(i.run_id == r.run_id, i.invoice_id == r.invoice_id))
        .where(r.run_id == run_id, r.job_id == job_id, r.status != "rejected",
               r.invoice_id.is_not(None), r.error_no == 0)
        .order_by(r.line)
        .limit(_bounded(limit, MAX_RESULT_ROWS))
    )  # fmt: skip
    with _connect(db) as connection:
        _job(connection, db, run_id, job_id)
        rows = connection.execute(query).all()
    return [
        BulkResult(
            line=row.line,
            invoice_id=row.invoice_id,
            payer=row.payer,
            merchant=row.merchant,
            method=row.method,
            due_date=row.due_date,
            status=row.status or row.row_status,
            provider=row.provider,
            attempts=row.attempts,
            wallet_address=row.wallet_address,
            amount_minor=row.amount_minor,
            currency=row.currency,
            fee_minor=row.fee_minor,
            latency_ms=None
            if row.ended_at_s is None
            else round((row.ended_at_s - row.created_at_s) * 1000.0, 3),
            reason=row.reason,
        )
        for row in rows
    ]

"""Bulk invoice jobs from CSV: the job and its progress counts, and one row per
CSV line and error."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKeyConstraint, Index, text
from sqlalchemy.orm import Mapped, mapped_column

from actors.invoice import TERMINAL_STATES, InvoiceState
from storage.schema.base import Base, one_of, run_fk

BULK_JOB_STATUSES = ("queued", "running", "done", "failed")
# A row refused, accepted, or once its invoice ended, the invoice's end state.
BULK_ROW_STATUSES = (
    "rejected",
    "accepted",
    *(state.value for state in InvoiceState if state in TERMINAL_STATES),
)


class BulkJob(Base):
    __tablename__ = "bulk_jobs"
    __table_args__ = (
        CheckConstraint("total_rows >= 0", name="total_rows"),
        CheckConstraint(
            "accepted >= 0 AND rejected >= 0 AND accepted + rejected <= total_rows", name="counts"
        ),
        CheckConstraint(one_of("status", BULK_JOB_STATUSES), name="status"),
        CheckConstraint("status <> 'done' OR finished_at_s IS NOT NULL", name="finished"),
        CheckConstraint("(status = 'failed') = (failure IS NOT NULL)", name="failure"),
    )
    run_id: Mapped[str] = run_fk()
    job_id: Mapped[int] = mapped_column(primary_key=True)
    file: Mapped[str]
    provider: Mapped[str]  # "auto" or a provider name
    total_rows: Mapped[int]
    accepted: Mapped[int]
    rejected: Mapped[int]
    status: Mapped[str]
    created_at_s: Mapped[float]
    finished_at_s: Mapped[float | None]
    started_at_s: Mapped[float | None]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    failure: Mapped[str | None]  # why a failed job could not go on


class BulkJobRow(Base):
    """One row per CSV line and error: a line with three errors has error_no 0, 1, 2."""

    __tablename__ = "bulk_job_rows"
    __table_args__ = (
        ForeignKeyConstraint(
            ["run_id", "job_id"], ["bulk_jobs.run_id", "bulk_jobs.job_id"], ondelete="CASCADE"
        ),
        CheckConstraint("line >= 1", name="line"),
        CheckConstraint("error_no >= 0", name="error_no"),
        CheckConstraint(one_of("status", BULK_ROW_STATUSES), name="status"),
        # An invoice id is accepted once in a run, whichever upload names it again.
        Index(
            "ix_bulk_job_rows_one_invoice",
            "run_id",
            "invoice_id",
            unique=True,
            postgresql_where=text("status <> 'rejected'"),
        ),
    )
    run_id: Mapped[str] = mapped_column(primary_key=True)  # runs is reached through bulk_jobs
    job_id: Mapped[int] = mapped_column(primary_key=True)
    line: Mapped[int] = mapped_column(primary_key=True)
    error_no: Mapped[int] = mapped_column(primary_key=True, server_default=text("0"))
    invoice_id: Mapped[str | None]
    status: Mapped[str]
    column_name: Mapped[str | None]
    error: Mapped[str | None]

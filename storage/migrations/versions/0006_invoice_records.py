"""The invoice as the user's record: its due date kept, its id unique among bulk rows,
and a bulk job's lifecycle with its times.

- ``invoices.due_date`` (NOT NULL): every invoice has one. Rows written before this
  revision get 2026-01-31, the one due date the engine gave every invoice then.
- ``invoices``: non-empty payer and merchant; an index on (run_id, bulk_job) for a
  job's invoices.
- ``bulk_job_rows``: an accepted line names an invoice no other accepted line of the
  run names (a second upload of the same file is refused row by row).
- ``bulk_jobs``: when the job started and finished (simulated seconds and wall time)
  and why it failed; a done job has finished, a failed one says why.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import DOUBLE_PRECISION, TIMESTAMP

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FORMER_DUE_DATE = "2026-01-31"


def upgrade() -> None:
    op.add_column("invoices", sa.Column("due_date", sa.Date(), nullable=True))
    op.execute(f"UPDATE invoices SET due_date = DATE '{FORMER_DUE_DATE}' WHERE due_date IS NULL")
    op.alter_column("invoices", "due_date", nullable=False)
    op.create_check_constraint(op.f("ck_invoices_payer"), "invoices", "payer <> ''")
    op.create_check_constraint(op.f("ck_invoices_merchant"), "invoices", "merchant <> ''")
    op.create_index(
        "ix_invoices_run_id_bulk_job",
        "invoices",
        ["run_id", "bulk_job"],
        postgresql_where=sa.text("bulk_job IS NOT NULL"),
    )
    op.create_index(
        "ix_bulk_job_rows_one_invoice",
        "bulk_job_rows",
        ["run_id", "invoice_id"],
        unique=True,
        postgresql_where=sa.text("status <> 'rejected'"),
    )
    op.add_column("bulk_jobs", sa.Column("started_at_s", DOUBLE_PRECISION(), nullable=True))
    op.add_column("bulk_jobs", sa.Column("started_at", TIMESTAMP(timezone=True), nullable=True))
    op.add_column("bulk_jobs", sa.Column("finished_at", TIMESTAMP(timezone=True), nullable=True))
    op.add_column("bulk_jobs", sa.Column("failure", sa.Text(), nullable=True))
    op.create_check_constraint(
        op.f("ck_bulk_jobs_finished"),
        "bulk_jobs",
        "status <> 'done' OR finished_at_s IS NOT NULL",
    )
    op.create_check_constraint(
        op.f("ck_bulk_jobs_failure"), "bulk_jobs", "(status = 'failed') = (failure IS NOT NULL)"
    )


def downgrade() -> None:
    op.drop_constraint(op.f("ck_bulk_jobs_failure"), "bulk_jobs", type_="check")
    op.drop_constraint(op.f("ck_bulk_jobs_finished"), "bulk_jobs", type_="check")
    for column in ("failure", "finished_at", "started_at", "started_at_s"):
        op.drop_column("bulk_jobs", column)
    op.drop_index("ix_bulk_job_rows_one_invoice", "bulk_job_rows")
    op.drop_index("ix_invoices_run_id_bulk_job", "invoices")
    op.drop_constraint(op.f("ck_invoices_merchant"), "invoices", type_="check")
    op.drop_constraint(op.f("ck_invoices_payer"), "invoices", type_="check")
    op.drop_column("invoices", "due_date")

"""The indexes of the initial migration (0001), frozen with it: the dashboards' queries
and the one-success-per-invoice guard."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


def create_indexes() -> None:
    op.create_index("ix_runs_started_at", "runs", ["started_at"])
    op.create_index(
        "ix_provider_health_run_id_provider_at_s",
        "provider_health",
        ["run_id", "provider", "at_s"],
    )
    op.create_index(
        "ix_ephemeral_wallets_active",
        "ephemeral_wallets",
        ["run_id", "state", "expires_at_s"],
        postgresql_where=sa.text("state <> 'destroyed'"),
    )
    op.create_index(
        "ix_reserve_reconciliation_run_id_at_s", "reserve_reconciliation", ["run_id", "at_s"]
    )
    op.create_index("ix_invoices_run_id_status", "invoices", ["run_id", "status"])
    # At most one successful payment per invoice: the double-pay guard.
    op.create_index(
        "ix_payment_attempts_one_success",
        "payment_attempts",
        ["run_id", "invoice_id"],
        unique=True,
        postgresql_where=sa.text("succeeded"),
    )
    op.create_index(
        "ix_payment_attempts_run_id_provider_sent_at_s",
        "payment_attempts",
        ["run_id", "provider", "sent_at_s"],
    )
    op.create_index("ix_alerts_run_id_at_s", "alerts", ["run_id", "at_s"])

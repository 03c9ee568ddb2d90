"""What the provider emulators saw (``invoicesim emulate``, issue 23): every request that
reached an emulator (``emulator_requests``) and every charge that ended at one
(``emulator_charges``), both keyed by their run like every simulation table.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-19
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import DOUBLE_PRECISION, TIMESTAMP

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REQUESTS = "emulator_requests"
CHARGES = "emulator_charges"


def _run_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["run_id"], ["runs.run_id"], name=op.f(f"fk_{table}_run_id"), ondelete="CASCADE"
    )


def _check(table: str, name: str, condition: str) -> sa.CheckConstraint:
    return sa.CheckConstraint(condition, name=op.f(f"ck_{table}_{name}"))


def upgrade() -> None:
    t = REQUESTS
    op.create_table(
        t,
        sa.Column("run_id", sa.Text(), nullable=False),
        sa.Column("provider", sa.Text(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("method", sa.Text(), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("idempotency_key", sa.Text(), nullable=True),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.Column("received_at_s", DOUBLE_PRECISION(), nullable=False),
        sa.Column("received_at", TIMESTAMP(timezone=True), nullable=False),
        sa.Column("latency_ms", DOUBLE_PRECISION(), nullable=False),
        sa.PrimaryKeyConstraint("run_id", "provider", "seq", name=op.f(f"pk_{t}")),
        _run_fk(t),
        _check(t, "seq", "seq >= 1"),
        _check(t, "method", "length(method) BETWEEN 1 AND 16"),
        _check(t, "path", "length(path) BETWEEN 1 AND 512"),
        _check(t, "status", "status IS NULL OR status BETWEEN 100 AND 599"),
        _check(t, "latency_ms", "latency_ms >= 0"),
    )
    op.create_index(
        f"ix_{t}_run_id_provider_received_at_s", t, ["run_id", "provider", "received_at_s"]
    )
    t = CHARGES
    op.create_table(
        t,
        sa.Column("run_id", sa.Text(), nullable=False),
        sa.Column("provider", sa.Text(), nullable=False),
        sa.Column("charge_key", sa.Text(), nullable=False),
        sa.Column("attempt_no", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Text(), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.Text(), nullable=False),
        sa.Column("method", sa.Text(), nullable=False),
        sa.Column("fee_minor", sa.BigInteger(), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.Column("created_at_s", DOUBLE_PRECISION(), nullable=False),
        sa.Column("ended_at_s", DOUBLE_PRECISION(), nullable=False),
        sa.Column("ended_at", TIMESTAMP(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint(
            "run_id", "provider", "charge_key", "attempt_no", name=op.f(f"pk_{t}")
        ),
        _run_fk(t),
        _check(t, "attempt_no", "attempt_no >= 1"),
        _check(t, "amount_minor", "amount_minor > 0"),
        _check(t, "fee_minor", "fee_minor >= 0"),
        _check(t, "method", "method IN ('card', 'bank', 'crypto')"),
        _check(t, "outcome", "outcome IN ('charged', 'voided')"),
        _check(t, "ended_at_s", "ended_at_s >= created_at_s"),
    )
    op.create_index(f"ix_{t}_run_id_invoice_id", t, ["run_id", "invoice_id"])


def downgrade() -> None:
    op.drop_table(CHARGES)
    op.drop_table(REQUESTS)

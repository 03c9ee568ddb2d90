"""Idempotency keys of the API: one row per (run, token, key) with the response given.

Revision ID: 0002
Revises: 0001
Create Date: 2025-02-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql as pg

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "idempotency_keys"


def upgrade() -> None:
    t = TABLE
    op.create_table(
        t,
        sa.Column("run_id", sa.Text(), nullable=False),
        sa.Column("token_id", sa.Text(), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("request_hash", sa.CHAR(64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("response", pg.JSONB(), nullable=True),
        sa.Column(
            "created_at",
            sa.TIMESTAMP(timezone=True),
            nullable=False,
            server_default=sa.text("now()"),
        ),
        sa.PrimaryKeyConstraint("run_id", "token_id", "key", name=op.f(f"pk_{t}")),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.run_id"], name=op.f(f"fk_{t}_run_id"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["token_id"],
            ["api_tokens.token_id"],
            name=op.f(f"fk_{t}_token_id"),
            ondelete="CASCADE",
        ),
        sa.CheckConstraint("length(key) BETWEEN 1 AND 255", name=op.f(f"ck_{t}_key")),
        sa.CheckConstraint("request_hash ~ '^[0-9a-f]{64}$'", name=op.f(f"ck_{t}_request_hash")),
        sa.CheckConstraint(
            "(status_code IS NULL) = (response IS NULL)", name=op.f(f"ck_{t}_response")
        ),
    )


def downgrade() -> None:
    op.drop_table(TABLE)

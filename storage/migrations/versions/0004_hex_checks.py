"""The destruction log's hash CHECKs without a bounded regex: the same rule, ~10x cheaper.

0001 said ``hash ~ '^[0-9a-f]{64}$'``; PostgreSQL's regex engine spends ~6 µs a
value on the ``{64}`` bound, two columns a row, half of what inserting a
destruction-log row cost. "64 characters, all lowercase hex" is the same rule
(for CHAR(64), both ignore the padding spaces).

Revision ID: 0004
Revises: 0003
Create Date: 2025-03-02
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "wallet_destruction_logs"
COLUMNS = ("hash", "prev_hash")


def replace_check(column: str, condition: str) -> None:
    name = op.f(f"ck_{TABLE}_{column}")
    op.drop_constraint(name, TABLE, type_="check")
    op.create_check_constraint(name, TABLE, condition)


def upgrade() -> None:
    for column in COLUMNS:
        replace_check(column, f"length({column}) = 64 AND {column} ~ '^[0-9a-f]+$'")


def downgrade() -> None:
    for column in COLUMNS:
        replace_check(column, f"{column} ~ '^[0-9a-f]{{64}}$'")

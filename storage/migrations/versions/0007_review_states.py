"""Invoices that end held for review: ``underpaid`` and ``overpaid``.

A payer who sends the wrong amount straight to an invoice's wallet leaves the
invoice in an end state of its own: ``underpaid`` (none of it applied, all of it
held for review) or ``overpaid`` (the amount applied, the extra held for review).
The statuses CHECKs of ``invoices`` and of ``bulk_job_rows`` (whose row takes its
invoice's end state) admit them; wallets knew both states from 0001.

A downgrade is refused while a row has one of them: revision 0006 cannot hold it,
and no other status says what happened to the money.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-12
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from alembic.util import CommandError

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NEW = ("underpaid", "overpaid")
# Each table's statuses as 0006 left them.
BEFORE = {
    "invoices": ("pending", "processing", "paid", "failed", "expired"),
    "bulk_job_rows": ("rejected", "accepted", "paid", "failed", "expired"),
}


def _in(statuses: Sequence[str]) -> str:
    return f"status IN ({', '.join(repr(s) for s in statuses)})"


def _replace_check(table: str, statuses: Sequence[str]) -> None:
    name = op.f(f"ck_{table}_status")
    op.drop_constraint(name, table, type_="check")
    op.create_check_constraint(name, table, _in(statuses))


def upgrade() -> None:
    for table, statuses in BEFORE.items():
        _replace_check(table, (*statuses, *NEW))


def downgrade() -> None:
    connection = op.get_bind()
    for table in BEFORE:
        held = connection.execute(sa.text(f"SELECT count(*) FROM {table} WHERE {_in(NEW)}"))
        count = held.scalar_one()
        if count:
            raise CommandError(
                f"cannot downgrade below 0007: {count} {table} rows are underpaid or overpaid, "
                "which revision 0006 cannot store; delete the runs that hold them first"
            )
    for table, statuses in BEFORE.items():
        _replace_check(table, statuses)

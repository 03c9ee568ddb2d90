"""Column and constraint helpers of the initial migration (0001), frozen with it.

Kept apart from ``versions/0001_initial.py`` so the tables read as tables; like the
migration itself, nothing here may change once applied.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql as pg
from sqlalchemy.types import TypeEngine


def col(
    name: str, type_: TypeEngine[Any], *, null: bool = False, default: str | None = None
) -> sa.Column[Any]:
    server_default = sa.text(default) if default is not None else None
    return sa.Column(name, type_, nullable=null, server_default=server_default)


def text_(name: str, *, null: bool = False) -> sa.Column[Any]:
    return col(name, sa.Text(), null=null)


def seconds(name: str, *, null: bool = False) -> sa.Column[Any]:
    return col(name, pg.DOUBLE_PRECISION(), null=null)


def big(name: str, *, default: str | None = None) -> sa.Column[Any]:
    return col(name, sa.BigInteger(), default=default)


def int_(name: str, *, null: bool = False, default: str | None = None) -> sa.Column[Any]:
    return col(name, sa.Integer(), null=null, default=default)


def jsonb(name: str, *, null: bool = False, default: str | None = None) -> sa.Column[Any]:
    return col(name, pg.JSONB(), null=null, default=default)


def simulation_table(table: str, *items: sa.schema.SchemaItem, run_fk: bool = True) -> None:
    """``run_id`` first, then ``items``, and a cascading foreign key to runs, unless
    ``run_fk`` is False: a child table reaches runs through its parent's key."""
    extra: list[sa.schema.SchemaItem] = []
    if run_fk:
        extra.append(
            sa.ForeignKeyConstraint(
                ["run_id"], ["runs.run_id"], name=op.f(f"fk_{table}_run_id"), ondelete="CASCADE"
            )
        )
    op.create_table(table, text_("run_id"), *items, *extra)


def pk(table: str, *columns: str) -> sa.PrimaryKeyConstraint:
    return sa.PrimaryKeyConstraint(*columns, name=op.f(f"pk_{table}"))


# op.f() marks a name as final: the naming convention of the models (which Alembic
# applies to target_metadata) must not rewrite the names of a frozen migration.
def ck(table: str, name: str, condition: str) -> sa.CheckConstraint:
    return sa.CheckConstraint(condition, name=op.f(f"ck_{table}_{name}"))

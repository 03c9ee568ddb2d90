"""The declarative base every table model shares: one ``MetaData`` with the
constraint naming convention, the Python-to-PostgreSQL type map, and the two
helpers the models build their constraints and keys with."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any

from sqlalchemy import (
    CHAR,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    Text,
)
from sqlalchemy.dialects.postgresql import ARRAY, DOUBLE_PRECISION, JSONB, TIMESTAMP
from sqlalchemy.orm import DeclarativeBase, MappedColumn, mapped_column

BigInt = Annotated[int, "BIGINT"]
Hash64 = Annotated[str, "CHAR(64)"]
JsonList = Annotated[list[Any], "JSONB"]

_NAMING = {
    "pk": "pk_%(table_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
}


def one_of(column: str, values: Iterable[str | StrEnum]) -> str:
    """SQL ``column IN ('a', 'b')`` for plain lowercase identifiers."""
    listed = [str(v) for v in values]
    assert all(re.fullmatch(r"[a-z_]+", v) for v in listed), listed
    return f"{column} IN ({', '.join(repr(v) for v in listed)})"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=_NAMING)
    type_annotation_map = {
        BigInt: BigInteger(),
        Hash64: CHAR(64),
        JsonList: JSONB(),
        int: Integer(),
        float: DOUBLE_PRECISION(),
        str: Text(),
        bool: Boolean(),
        bytes: LargeBinary(),
        datetime: TIMESTAMP(timezone=True),
        date: Date(),
        dict[str, Any]: JSONB(),
        list[str]: ARRAY(Text()),
    }


def run_fk() -> MappedColumn[str]:
    return mapped_column(ForeignKey("runs.run_id", ondelete="CASCADE"), primary_key=True)

"""What binary COPY needs to know: each column's PostgreSQL type, and JSON as text.

Binary COPY skips the server's text parsing of every number and float, but the
client must name each column's type (``Copy.set_types``). They come from the
models, so a new column needs nothing here.
"""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg.adapt import Dumper
from psycopg.pq import Format
from sqlalchemy.dialects import postgresql

from storage.schema import COPY_COLUMNS, Base

# Compiled SQLAlchemy types psycopg knows by another name. CHAR(64) is sent as text,
# which has the same binary form (psycopg has no binary bpchar dumper).
_TYPE_NAMES = {"double precision": "float8", "char(64)": "text"}


def copy_types(table: str) -> list[str]:
    """PostgreSQL type names of ``table``'s COPY columns, in ``COPY_COLUMNS`` order."""
    columns = Base.metadata.tables[table].columns
    dialect = postgresql.dialect()  # type: ignore[no-untyped-call]
    names = []
    for name in COPY_COLUMNS[table]:
        compiled = columns[name].type.compile(dialect=dialect).lower()
        names.append(_TYPE_NAMES.get(compiled, compiled))
    return names


class JsonTextBinaryDumper(Dumper):
    """Rows carry JSON columns as JSON text already: send it as is (binary jsonb is a
    version byte and the text), where psycopg's own dumper would encode it again.
    Register it with ``adapters.register_dumper(None, ...)``: by type oid only."""

    format = Format.BINARY
    oid = psycopg.postgres.types["jsonb"].oid

    def dump(self, obj: Any) -> bytes:
        return b"\x01" + (obj.encode() if isinstance(obj, str) else bytes(obj))

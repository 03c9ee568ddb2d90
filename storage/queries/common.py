"""What every read shares: the source to read from, limits, ``NotFound`` and a connection.

A query takes a ``Database`` or an open SQLAlchemy ``Connection`` (to share one
transaction). A query the server cannot answer raises ``DatabaseError``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager

from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError

from actors.errors import InvoicesimError
from storage.database import Database, DatabaseError

Source = Database | Connection

MAX_LIMIT = 1_000
MAX_RESULT_ROWS = 100_000  # a results CSV: ten times the default CSV row limit
RUNS_HINT = "list the runs with `invoicesim runs list`"


class NotFound(InvoicesimError):
    """No run or bulk job with that id; the message names it and says how to list them."""


@contextmanager
def _connect(source: Source) -> Iterator[Connection]:
    if isinstance(source, Connection):
        yield source
        return
    try:
        with source.engine.connect() as connection:
            yield connection
    except DBAPIError as exc:
        reason = str(exc.orig or exc).strip().splitlines() or [type(exc).__name__]
        raise DatabaseError(f"{source.url_for_display}: query failed: {reason[0]}") from exc


def _where(source: Source) -> str:
    return source.url_for_display if isinstance(source, Database) else "the database"


def _bounded(value: int, maximum: int, name: str = "limit") -> int:
    if not 1 <= value <= maximum:
        raise ValueError(f"{name} must be within 1..{maximum:,}, got {value}")
    return value


def _worst(states: Iterable[str], order: Sequence[str]) -> str | None:
    return max(states, key=order.index, default=None)

"""Helpers of the live-engine tests: a quiet scenario, polling, and reading what was recorded."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import text

from storage.database import Database

T = TypeVar("T")


QUIET = """
name: live-quiet
seed: 3
duration_s: 3600
wallet_ttl_s: 120
routing: {health_interval_s: 2}
"""


def eventually(probe: Callable[[], T | bool | None], timeout_s: float = 15.0) -> T:
    """Poll until ``probe`` returns something true (the engine is paced: rows land later)."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = probe()
        if value:
            return value  # type: ignore[return-value]
        if time.monotonic() > deadline:
            raise AssertionError("the condition did not come true in time")
        time.sleep(0.05)


def _rows(db: Database, query: str, **params: Any) -> list[Any]:
    with db.engine.connect() as connection:
        return list(connection.execute(text(query), params).all())


def finished_row(db: Database, run_id: str, invoice_id: str) -> Any:
    """The invoice's (state, provider) once it is paid or failed, else None."""
    rows = _rows(
        db,
        "SELECT status AS state, provider FROM invoices WHERE run_id = :run AND invoice_id = :id",
        run=run_id,
        id=invoice_id,
    )
    return rows[0] if rows and rows[0].state in ("paid", "failed") else None


def recorded(db: Database, run_id: str, invoice_ids: list[str]) -> dict[str, int]:
    """How many rows each of ``invoice_ids`` has in the run."""
    rows = _rows(
        db,
        "SELECT invoice_id, count(*) FROM invoices"
        " WHERE run_id = :run AND invoice_id = ANY(:ids) GROUP BY invoice_id",
        run=run_id,
        ids=invoice_ids,
    )
    return {invoice_id: n for invoice_id, n in rows}

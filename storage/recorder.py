"""The recorder: writes what logical processes emit, in batches, with COPY, idempotently.

Rows are buffered per table and flushed in one transaction: COPY into a
temporary staging table, then ``INSERT ... SELECT ... ON CONFLICT`` into the
real one. A batch written twice therefore leaves no duplicates (append-only
tables skip rows they already have; invoices and wallets, which are written
when created and again when they end, take the final row once). A lost
connection is retried with bounded backoff; past the bound the run stops with
a ``DatabaseError`` that names the database, and every batch already committed
stays as it was. (A live run retries for as long as its buffer allows instead:
``simulation.run_store``.)
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Iterable
from typing import Any

import psycopg
from psycopg import sql

from storage.database import Database, DatabaseError
from storage.schema import COPY_COLUMNS, Base

log = logging.getLogger(__name__)

# Parents before children (foreign keys), in one transaction per flush.
TABLE_ORDER = (
    "provider_config",
    "bulk_jobs",
    "invoices",
    "bulk_job_rows",
    "ephemeral_wallets",
    "payment_attempts",
    "routing_decisions",
    "provider_health",
    "wallet_destruction_logs",
    "ledger_transfers",
    "ledger_entries",
    "reserve_reconciliation",
    "alerts",
    "checkpoints",
)

# Tables whose rows are written again when the entity ends: (key columns, columns
# updated, condition on the stored row). Everything else is insert-once.
UPSERTS: dict[str, tuple[tuple[str, ...], tuple[str, ...], str | None]] = {
    "invoices": (
        ("run_id", "invoice_id"),
        ("status", "provider", "attempts", "fee_minor", "ended_at_s", "reason", "wallet_address"),
        "invoices.ended_at_s IS NULL",
    ),
    "ephemeral_wallets": (
        ("run_id", "address"),
        ("state", "received_minor", "accepted_minor", "destroyed_at_s", "destroy_reason"),
        "ephemeral_wallets.destroyed_at_s IS NULL",
    ),
    "bulk_job_rows": (("run_id", "job_id", "line", "error_no"), ("status", "invoice_id"), None),
    "bulk_jobs": (("run_id", "job_id"), ("accepted", "rejected", "status", "finished_at_s"), None),
}

# Tables where a buffered row is superseded by the next with the same key (the width of
# the key after run_id): a logical process's checkpoint replaces its previous one, so
# checkpoints never pile up in memory between two flushes.
LATEST_ONLY = {"checkpoints": 1}
# Checkpoints kept per logical process of a run; older ones are deleted when new ones land.
KEEP_CHECKPOINTS = 2
_PRUNE_CHECKPOINTS = sql.SQL(
    "DELETE FROM checkpoints AS c USING ("
    " SELECT lp, window_no, row_number() OVER (PARTITION BY lp ORDER BY window_no DESC) AS age"
    " FROM checkpoints WHERE run_id = %(run)s) AS o"
    " WHERE c.run_id = %(run)s AND c.lp = o.lp AND c.window_no = o.window_no AND o.age > %(keep)s"
)

MAX_RETRIES = 5
BACKOFF_S = 0.2


Batch = dict[str, list[tuple[Any, ...]]]


class Recorder:
    """Buffers rows of one run and flushes them in batches of at most ``batch_rows``.

    ``flush`` writes in the caller's thread. A live run instead ``take``s the buffer and
    hands it to a thread of its own that calls ``write_once`` (``simulation.run_store``);
    with ``flush_when_full=False`` a full buffer then waits for that instead of writing.
    """

    def __init__(
        self,
        db: Database,
        run_id: str,
        batch_rows: int = 50_000,
        max_retries: int = MAX_RETRIES,
        backoff_s: float = BACKOFF_S,
        sleep: Callable[[float], None] = time.sleep,
        flush_when_full: bool = True,
    ) -> None:
        if not 1 <= batch_rows <= 1_000_000:
            raise ValueError("batch_rows must be within 1..1,000,000")
        self.db = db
        self.run_id = run_id
        self.batch_rows = batch_rows
        self.max_retries = max_retries
        self.backoff_s = backoff_s
        self.flush_when_full = flush_when_full
        self._sleep = sleep
        self._rows: dict[str, list[tuple[Any, ...]]] = {}
        self._keyed: dict[str, dict[tuple[Any, ...], tuple[Any, ...]]] = {}
        self.buffered = 0  # rows a flush would write (an entity's superseded states not counted)
        self._conn: psycopg.Connection[Any] | None = None
        self.written: dict[str, int] = {}
        self.flushes = 0

    def add(self, records: dict[str, list[tuple[Any, ...]]]) -> None:
        """Buffer rows (without run_id, in COPY_COLUMNS order); flush when the batch is full."""
        for table, rows in records.items():
            if not rows:
                continue
            width = len(UPSERTS[table][0]) - 1 if table in UPSERTS else LATEST_ONLY.get(table)
            if width is not None:  # key columns after run_id
                keyed = self._keyed.setdefault(table, {})
                before = len(keyed)
                for row in rows:
                    keyed[row[:width]] = row  # the latest state of an entity wins
                self.buffered += len(keyed) - before
            else:
                self._rows.setdefault(table, []).extend(rows)
                self.buffered += len(rows)
        if self.flush_when_full and self.buffered >= self.batch_rows:
            self.flush()

    def flush(self) -> None:
        """Write everything buffered in one transaction, retrying a lost connection."""
        if self.buffered == 0:
            return
        self.write(self._snapshot())
        self._clear()

    def take(self) -> Batch:
        """Everything buffered, as one batch for ``write_once``; the buffer starts empty."""
        batch = self._rows  # handed over, not copied: the buffer starts anew
        batch.update({t: list(keyed.values()) for t, keyed in self._keyed.items()})
        self._clear()
        return batch

    def write(self, batch: Batch) -> None:
        """Write ``batch`` in one transaction, retrying a lost connection with bounded backoff."""
        attempt = 0
        while True:
            try:
                self.write_once(batch)
                return
            except (psycopg.OperationalError, DatabaseError) as error:  # lost, or cannot reconnect
                attempt += 1
                if attempt > self.max_retries:
                    raise DatabaseError(
                        f"lost the connection to {self.db.url_for_display} and could not "
                        f"reconnect after {self.max_retries} tries ({_first_line(error)}); "
                        f"the {self.flushes} batches already written are intact"
                    ) from None
                delay = self.backoff_s * 2 ** (attempt - 1)
                log.warning(
                    "database write failed (%s); retry %d in %.1fs",
                    _first_line(error),
                    attempt,
                    delay,
                )
                self._sleep(delay)

    def write_once(self, batch: Batch) -> None:
        """One try at writing ``batch``; a failed try drops the connection and raises.

        Writing a batch again after a try whose commit may or may not have landed is
        safe: every row is inserted idempotently (see the module docstring).
        """
        try:
            self._write(batch)
        except psycopg.Error:
            self._drop_connection()
            raise
        for table, rows in batch.items():
            self.written[table] = self.written.get(table, 0) + len(rows)
        self.flushes += 1

    def _snapshot(self) -> Batch:
        batch = {t: list(rows) for t, rows in self._rows.items()}
        batch.update({t: list(keyed.values()) for t, keyed in self._keyed.items()})
        return batch

    def _clear(self) -> None:
        self._rows = {}
        self._keyed = {}
        self.buffered = 0

    def _write(self, batch: dict[str, list[tuple[Any, ...]]]) -> None:
        conn = self._connection()
        with conn.transaction(), conn.cursor() as cur:
            for table in TABLE_ORDER:
                rows = batch.get(table)
                if rows:
                    self._copy(cur, table, rows)
            if batch.get("checkpoints"):
                cur.execute(_PRUNE_CHECKPOINTS, {"run": self.run_id, "keep": KEEP_CHECKPOINTS})

    def _copy(self, cur: psycopg.Cursor[Any], table: str, rows: Iterable[tuple[Any, ...]]) -> None:
        columns = COPY_COLUMNS[table]
        stage = sql.Identifier(f"stage_{table}")
        target = sql.Identifier(table)
        cols = sql.SQL(", ").join(sql.Identifier(c) for c in columns)
        cur.execute(
            sql.SQL(
                "CREATE TEMP TABLE IF NOT EXISTS {} (LIKE {} INCLUDING DEFAULTS) "
                "ON COMMIT DELETE ROWS"
            ).format(stage, target)
        )
        run_id = self.run_id
        with cur.copy(sql.SQL("COPY {} ({}) FROM STDIN").format(stage, cols)) as copy:
            for row in rows:
                copy.write_row((run_id, *row))
        cur.execute(
            sql.SQL("INSERT INTO {} ({}) SELECT {} FROM {} {}").format(
                target, cols, cols, stage, _conflict_clause(table)
            )
        )

    def _connection(self) -> psycopg.Connection[Any]:
        if self._conn is None or self._conn.closed:
            self._conn = self.db.raw_connect()
        return self._conn

    def _drop_connection(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(psycopg.Error):
                self._conn.close()
        self._conn = None

    def close(self) -> None:
        """Flush what is left and release the connection."""
        try:
            self.flush()
        finally:
            self._drop_connection()


def _primary_key(table: str) -> tuple[str, ...]:
    return tuple(c.name for c in Base.metadata.tables[table].primary_key.columns)


def _conflict_clause(table: str) -> sql.Composable:
    # The conflict target is the primary key, never "any constraint": a second
    # successful payment for an invoice must hit its unique index and fail loudly.
    if table not in UPSERTS:
        target = sql.SQL(", ").join(sql.Identifier(k) for k in _primary_key(table))
        return sql.SQL("ON CONFLICT ({}) DO NOTHING").format(target)
    keys, updates, condition = UPSERTS[table]
    sets = sql.SQL(", ").join(
        sql.SQL("{} = EXCLUDED.{}").format(sql.Identifier(c), sql.Identifier(c)) for c in updates
    )
    clause = sql.SQL("ON CONFLICT ({}) DO UPDATE SET {}").format(
        sql.SQL(", ").join(sql.Identifier(k) for k in keys), sets
    )
    if condition is not None:
        clause = sql.SQL("{} WHERE {}").format(clause, sql.SQL(condition))
    return clause


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__

"""The recorder: writes what logical processes emit, in batches, with COPY, idempotently.

Rows are buffered per table and flushed in one transaction, with binary COPY.
Rows the database cannot have yet go straight into their table: every row of an
insert-once table, and the first row of an invoice or wallet. The later state of
an invoice or wallet whose earlier one is already written (``_open``) goes through
a temporary staging table and ``INSERT ... SELECT ... ON CONFLICT``. A batch that
does meet rows already there (a window replayed after a lost commit answer or a
recovery) fails on a unique key, and the whole transaction is then written again
through staging tables only. A batch written twice therefore leaves no duplicates
(append-only tables skip rows they already have; invoices and wallets take the
final row once). A lost connection is retried with bounded backoff; past the
bound the run stops with a ``DatabaseError`` that names the database, and every
batch already committed stays as it was. (A live run retries for as long as its
buffer allows instead: ``simulation.run_store``.)
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable
from typing import Any

import psycopg
from psycopg import sql

from storage.binary_copy import JsonTextBinaryDumper, copy_types
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
# updated, the column that stays NULL until the entity ends, if any: a stored row
# that has ended is never changed). Everything else is insert-once.
UPSERTS: dict[str, tuple[tuple[str, ...], tuple[str, ...], str | None]] = {
    "invoices": (
        ("run_id", "invoice_id"),
        ("status", "provider", "attempts", "fee_minor", "ended_at_s", "reason", "wallet_address"),
        "ended_at_s",
    ),
    "ephemeral_wallets": (
        ("run_id", "address"),
        ("state", "received_minor", "accepted_minor", "destroyed_at_s", "destroy_reason"),
        "destroyed_at_s",
    ),
    "bulk_job_rows": (("run_id", "job_id", "line", "error_no"), ("status", "invoice_id"), None),
    "bulk_jobs": (
        ("run_id", "job_id"),
        ("status", "started_at_s", "started_at", "finished_at_s", "finished_at", "failure"),
        None,
    ),
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

# A batch run holds an invoice or wallet back from this many batches while it is open
# (``Recorder.take``): a batch spans ~3 simulated seconds at 1,000 invoices/s, and
# invoices live 3.7 s (median) to 12 s (p90) there.
HOLD_BATCHES = 4

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
        hold_new_open: bool = False,
    ) -> None:
        if not 1 <= batch_rows <= 1_000_000:
            raise ValueError("batch_rows must be within 1..1,000,000")
        self.db = db
        self.run_id = run_id
        self.batch_rows = batch_rows
        self.max_retries = max_retries
        self.backoff_s = backoff_s
        self.flush_when_full = flush_when_full
        self.hold_new_open = hold_new_open
        self._sleep = sleep
        self._rows: dict[str, list[tuple[Any, ...]]] = {}
        self._keyed: dict[str, dict[tuple[Any, ...], tuple[Any, ...]]] = {}
        self.buffered = 0  # rows a flush would write (an entity's superseded states not counted)
        self._conn: psycopg.Connection[Any] | None = None
        self._open: dict[str, set[tuple[Any, ...]]] = {}  # written, not ended: table -> keys
        self.written: dict[str, int] = {}
        self.flushes = 0
        # take(): open invoices and wallets held back -> how many batches they were
        self._held: dict[str, dict[tuple[Any, ...], int]] = {}

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

    def take(self, everything: bool = False) -> Batch:
        """Everything buffered, as one batch for ``write_once``; the buffer starts empty.

        With ``hold_new_open`` (unless ``everything``), an invoice or wallet that has not
        ended stays in the buffer for the next batch, for ``HOLD_BATCHES`` batches in a row
        at most: most end within seconds, and an entity written once, at its end, costs the
        database one COPYed row instead of a row and then an upsert.
        """
        batch = self._rows  # handed over, not copied: the buffer starts anew
        keep: dict[str, dict[tuple[Any, ...], tuple[Any, ...]]] = {}
        held: dict[str, dict[tuple[Any, ...], int]] = {}
        hold = self.hold_new_open and not everything
        for table, keyed in self._keyed.items():
            ends = _END_COLUMN.get(table) if hold else None
            if ends is None:
                batch[table] = list(keyed.values())
                continue
            held_before = self._held.get(table, {})
            rows = []
            kept = keep[table] = {}
            times = held[table] = {}
            for key, row in keyed.items():
                if row[ends] is None and (n := held_before.get(key, 0)) < HOLD_BATCHES:
                    kept[key] = row
                    times[key] = n + 1
                else:
                    rows.append(row)
            batch[table] = rows
        self._clear()
        self._keyed = keep
        self._held = held
        self.buffered = sum(len(kept) for kept in keep.values())
        return batch

    def discard(self) -> None:
        """Forget every buffered row (they will be recorded again: a Ray host's replay)."""
        self._clear()
        self._held = {}

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

    def _write(self, batch: Batch) -> None:
        conn = self._connection()
        try:
            with conn.transaction(), conn.cursor() as cur:
                self._copy_all(cur, batch, direct=True)
        except psycopg.errors.UniqueViolation as error:
            # Some rows are there already (a replayed window): the transaction rolled back
            # whole; write it again the idempotent way. A unique key no replay explains (a
            # second successful payment) fails again there, and loudly.
            log.info("batch meets rows already written (%s); writing it again", _first_line(error))
            with conn.transaction(), conn.cursor() as cur:
                self._copy_all(cur, batch, direct=False)
        for table, rows in batch.items():
            if (ends := _END_COLUMN.get(table)) is not None:
                self._note_open(table, rows, ends)

    def _copy_all(self, cur: psycopg.Cursor[Any], batch: Batch, direct: bool) -> None:
        for table in TABLE_ORDER:
            rows = batch.get(table)
            if not rows:
                continue
            if not direct or (table in UPSERTS and table not in _END_COLUMN):
                self._copy_staged(cur, table, rows)
            elif open_keys := self._open.get(table):  # an invoice's or wallet's later state
                width = len(UPSERTS[table][0]) - 1
                later = [row for row in rows if row[:width] in open_keys]
                first = [row for row in rows if row[:width] not in open_keys] if later else rows
                self._copy_direct(cur, table, first)
                self._copy_staged(cur, table, later)
            else:
                self._copy_direct(cur, table, rows)
        if batch.get("checkpoints"):
            cur.execute(_PRUNE_CHECKPOINTS, {"run": self.run_id, "keep": KEEP_CHECKPOINTS})

    def _note_open(self, table: str, rows: list[tuple[Any, ...]], ends: int) -> None:
        """Remember which entities are written but not ended: their next row is an update."""
        open_keys = self._open.setdefault(table, set())
        width = len(UPSERTS[table][0]) - 1
        for row in rows:
            if row[ends] is None:
                open_keys.add(row[:width])
            else:
                open_keys.discard(row[:width])

    def _copy_direct(
        self, cur: psycopg.Cursor[Any], table: str, rows: list[tuple[Any, ...]]
    ) -> None:
        if rows:
            self._copy_into(cur, sql.Identifier(table), table, rows)

    def _copy_staged(
        self, cur: psycopg.Cursor[Any], table: str, rows: list[tuple[Any, ...]]
    ) -> None:
        if not rows:
            return
        stage = sql.Identifier(f"stage_{table}")
        target = sql.Identifier(table)
        cur.execute(
            sql.SQL(
                "CREATE TEMP TABLE IF NOT EXISTS {} (LIKE {} INCLUDING DEFAULTS) "
                "ON COMMIT DELETE ROWS"
            ).format(stage, target)
        )
        self._copy_into(cur, stage, table, rows)
        cols = sql.SQL(", ").join(sql.Identifier(c) for c in COPY_COLUMNS[table])
        cur.execute(
            sql.SQL("INSERT INTO {} ({}) SELECT {} FROM {} {}").format(
                target, cols, cols, stage, _conflict_clause(table)
            )
        )

    def _copy_into(
        self,
        cur: psycopg.Cursor[Any],
        into: sql.Identifier,
        table: str,
        rows: list[tuple[Any, ...]],
    ) -> None:
        cols = sql.SQL(", ").join(sql.Identifier(c) for c in COPY_COLUMNS[table])
        run_id = self.run_id
        statement = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT BINARY)").format(into, cols)
        with cur.copy(statement) as copy:
            copy.set_types(_COPY_TYPES[table])
            for row in rows:
                copy.write_row((run_id, *row))

    def _connection(self) -> psycopg.Connection[Any]:
        if self._conn is None or self._conn.closed:
            conn = self.db.raw_connect()
            conn.adapters.register_dumper(None, JsonTextBinaryDumper)
            # The staging INSERT ... SELECTs read temporary tables without statistics: a
            # JIT compile of them costs more than running them.
            conn.execute("SET jit = off")
            conn.commit()
            self._conn = conn
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


_COPY_TYPES = {table: copy_types(table) for table in TABLE_ORDER}
# The column that stays NULL until an entity ends, as an index into a buffered row
# (which has no run_id), for the upserted tables that have one.
_END_COLUMN = {
    table: COPY_COLUMNS[table].index(ends) - 1
    for table, (_, _, ends) in UPSERTS.items()
    if ends is not None
}


def _conflict_clause(table: str) -> sql.Composable:
    # The conflict target is the primary key, never "any constraint": a second
    # successful payment for an invoice must hit its unique index and fail loudly.
    if table not in UPSERTS:
        target = sql.SQL(", ").join(sql.Identifier(k) for k in _primary_key(table))
        return sql.SQL("ON CONFLICT ({}) DO NOTHING").format(target)
    keys, updates, ends = UPSERTS[table]
    sets = sql.SQL(", ").join(
        sql.SQL("{} = EXCLUDED.{}").format(sql.Identifier(c), sql.Identifier(c)) for c in updates
    )
    clause = sql.SQL("ON CONFLICT ({}) DO UPDATE SET {}").format(
        sql.SQL(", ").join(sql.Identifier(k) for k in keys), sets
    )
    if ends is not None:
        stored = sql.Identifier(table, ends)
        clause = sql.SQL("{} WHERE {} IS NULL").format(clause, stored)
    return clause


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__

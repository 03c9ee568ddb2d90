"""What the emulators saw, written to PostgreSQL off the request path.

The emulators' event loop only appends rows to a buffer (``request``, ``charges``);
``hand_over`` (every ``FLUSH_S`` on the loop) passes the buffer as one batch to a
writer thread through a bounded queue, and the thread COPYs each batch in one
transaction (binary COPY, columns and types from the models: no SQL is built from
values). A batch the database refuses for rows it already has (a retry after a lost
commit answer) is written again through a staging table, skipping those rows. A lost
connection is retried with bounded backoff; a batch that still cannot be written is
counted as lost and said so in the log, and the emulators go on.

While the queue is full (the database is slower than the requests), rows stay in
the loop's buffer, up to ``MAX_BUFFERED_ROWS``; past it new rows are counted as lost
rather than held without bound. ``MemoryRecords`` is the fake beside it: the same
rows, kept in lists. ``read_records`` reads a run's rows back, in the fake's shape;
``emulator_run`` is the run the rows belong to, as ``runs`` records it.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

import psycopg
from psycopg import sql

from exercise.emulators.behaviour import ChargeRecord
from simulation.scenario import Scenario
from storage.binary_copy import copy_types
from storage.database import Database, DatabaseError
from storage.runs import NewRun
from storage.schema import COPY_COLUMNS

log = logging.getLogger("invoicesim.emulate")

FLUSH_S = 0.1  # how often the loop hands its rows to the writer
BATCH_ROWS = 5_000  # rows per batch at most (a transaction each)
QUEUE_BATCHES = 64  # batches waiting for the writer at most
MAX_BUFFERED_ROWS = 200_000  # rows the loop holds while the queue is full
MAX_TRIES = 5
BACKOFF_S = 0.2
TABLES = ("emulator_requests", "emulator_charges")

Row = tuple[Any, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class RequestRow:
    provider: str
    seq: int
    method: str
    path: str
    idempotency_key: str | None
    status: int | None
    outcome: str | None
    received_at_s: float
    received_at: datetime
    latency_ms: float


class RecordSink(Protocol):
    """Where the emulators put what they saw (the loop calls these; none may block)."""

    def request(self, row: RequestRow) -> None: ...

    def charge(self, provider: str, record: ChargeRecord, ended_at: datetime) -> None:
        """``ended_at``: the wall clock at the record's ``ended_at_s``."""
        ...

    def hand_over(self) -> None: ...


def request_values(row: RequestRow) -> Row:
    """The row in ``COPY_COLUMNS`` order, without run_id."""
    return (
        row.provider,
        row.seq,
        row.method,
        row.path,
        row.idempotency_key,
        row.status,
        row.outcome,
        row.received_at_s,
        row.received_at,
        row.latency_ms,
    )


def charge_values(provider: str, record: ChargeRecord, ended_at: datetime) -> Row:
    return (
        provider,
        record.key,
        record.attempt_no,
        record.invoice_id,
        record.amount_minor,
        record.currency,
        record.method,
        record.fee_minor,
        record.outcome,
        record.created_at_s,
        record.ended_at_s,
        ended_at,
    )


def emulator_run(scenario: Scenario, runtime: str, options: dict[str, Any]) -> NewRun:
    """The run whose rows the emulators write: ``emulators`` (``invoicesim emulate``) or
    ``exercise``; one shard, the scenario's providers."""
    return NewRun(
        scenario_name=scenario.name,
        scenario_hash=scenario.digest(),
        seed=scenario.seed,
        shards=1,
        runtime=runtime,
        options=options,
        providers=scenario.provider_configs(),
    )


# The order a run's rows are read back in: each table's primary key.
_READ_ORDER = {
    "emulator_requests": ("provider", "seq"),
    "emulator_charges": ("provider", "charge_key", "attempt_no"),
}


def read_records(db: Database, run_id: str) -> tuple[list[Row], list[Row]]:
    """``run_id``'s requests and charges as written, each row in ``MemoryRecords``'s shape
    (``COPY_COLUMNS`` order without run_id)."""
    out: list[list[Row]] = []
    try:
        with db.raw_connect() as conn, conn.cursor() as cur:
            for table in TABLES:
                columns = sql.SQL(", ").join(sql.Identifier(c) for c in COPY_COLUMNS[table][1:])
                order = sql.SQL(", ").join(sql.Identifier(c) for c in _READ_ORDER[table])
                statement = sql.SQL("SELECT {} FROM {} WHERE run_id = %s ORDER BY {}").format(
                    columns, sql.Identifier(table), order
                )
                cur.execute(statement, (run_id,))
                out.append([tuple(row) for row in cur.fetchall()])
    except psycopg.OperationalError as error:
        raise DatabaseError(
            f"could not read run {run_id}'s emulator records back from {db.url_for_display} "
            f"({type(error).__name__}); what was written stays there"
        ) from error
    return out[0], out[1]


@dataclass(slots=True)
class MemoryRecords:
    """The fake: rows kept in lists (bounded as the real buffer is)."""

    requests: list[Row] = field(default_factory=list)
    charge_rows: list[Row] = field(default_factory=list)
    lost: int = 0

    def request(self, row: RequestRow) -> None:
        if len(self.requests) >= MAX_BUFFERED_ROWS:
            self.lost += 1
            return
        self.requests.append(request_values(row))

    def charge(self, provider: str, record: ChargeRecord, ended_at: datetime) -> None:
        self.charge_rows.append(charge_values(provider, record, ended_at))

    def hand_over(self) -> None:
        pass


class DatabaseRecords:
    """Rows of one run, buffered on the loop and written by a thread of their own."""

    def __init__(self) -> None:
        self.db: Database | None = None  # set by ``start``
        self.run_id = ""
        self._rows: dict[str, list[Row]] = {table: [] for table in TABLES}
        self._buffered = 0
        self._queue: queue.Queue[dict[str, list[Row]] | None] = queue.Queue(QUEUE_BATCHES)
        self._thread = threading.Thread(target=self._write_all, name="emulator-records")
        self._conn: psycopg.Connection[Any] | None = None
        self.dropped = 0  # rows past the buffer's bound (counted on the loop)
        self.unwritten = 0  # rows of batches that could not be written (the writer's count)
        self.written = dict.fromkeys(TABLES, 0)

    @property
    def lost(self) -> int:
        """Rows never written."""
        return self.dropped + self.unwritten

    def start(self, db: Database, run_id: str) -> DatabaseRecords:
        """Write the rows to ``db`` as ``run_id``'s, from now on."""
        self.db, self.run_id = db, run_id
        self._thread.start()
        return self

    # ---- the loop's side -----------------------------------------------------------
    def request(self, row: RequestRow) -> None:
        self._add("emulator_requests", request_values(row))

    def charge(self, provider: str, record: ChargeRecord, ended_at: datetime) -> None:
        self._add("emulator_charges", charge_values(provider, record, ended_at))

    def _add(self, table: str, row: Row) -> None:
        if self._buffered >= MAX_BUFFERED_ROWS:
            if self.dropped == 0:
                log.error(
                    "the database is behind: %d rows held; new ones are dropped", self._buffered
                )
            self.dropped += 1
            return
        self._rows[table].append(row)
        self._buffered += 1

    def hand_over(self) -> None:
        """Pass what is buffered to the writer, in batches, as far as the queue has room."""
        while self._buffered:
            batch: dict[str, list[Row]] = {}
            room = BATCH_ROWS
            for table in TABLES:
                rows = self._rows[table]
                batch[table], self._rows[table] = rows[:room], rows[room:]
                room -= len(batch[table])
            taken = BATCH_ROWS - room
            try:
                self._queue.put_nowait(batch)
            except queue.Full:
                for table in TABLES:  # back in front, in order
                    self._rows[table] = batch[table] + self._rows[table]
                return
            self._buffered -= taken

    def close(self, timeout_s: float = 30.0) -> None:
        """Hand over the rest, let the writer finish, and stop it (within ``timeout_s``)."""
        if self._thread.ident is None:  # never started: nothing can be written
            self.dropped += self._buffered
            self._buffered = 0
            return
        deadline = time.monotonic() + timeout_s
        while self._buffered and time.monotonic() < deadline:
            self.hand_over()
            if self._buffered:
                time.sleep(0.05)
        self.dropped += self._buffered
        self._buffered = 0
        try:
            self._queue.put(None, timeout=max(0.0, deadline - time.monotonic()))
        except queue.Full:
            log.error("the database writer did not catch up; its queued rows are lost")
        self._thread.join(max(0.0, deadline - time.monotonic()))

    # ---- the writer thread ---------------------------------------------------------
    def _write_all(self) -> None:
        try:
            while (batch := self._queue.get()) is not None:
                self._write(batch)
        finally:
            if self._conn is not None:
                self._conn.close()

    def _write(self, batch: dict[str, list[Row]]) -> None:
        for attempt in range(1, MAX_TRIES + 1):
            try:
                self._write_once(batch)
            except (psycopg.OperationalError, DatabaseError) as error:  # lost, or unreachable
                self._drop_connection()
                first_line = next(iter(str(error).strip().splitlines()), type(error).__name__)
                log.warning(
                    "writing emulator rows failed (%s); try %d of %d",
                    first_line,
                    attempt,
                    MAX_TRIES,
                )
                time.sleep(BACKOFF_S * 2 ** (attempt - 1))
                continue
            except psycopg.Error:
                self._drop_connection()
                log.exception("the database refused a batch of emulator rows")
                break
            for table in TABLES:
                self.written[table] += len(batch[table])
            return
        lost = sum(len(rows) for rows in batch.values())
        self.unwritten += lost
        log.error("%d emulator rows could not be written and are lost", lost)

    def _write_once(self, batch: dict[str, list[Row]]) -> None:
        conn = self._connection()
        try:
            with conn.transaction(), conn.cursor() as cur:
                for table in TABLES:
                    self._copy(cur, sql.Identifier(table), table, batch[table])
        except psycopg.errors.UniqueViolation:
            # Written already (the commit landed, its answer did not): skip what is there.
            with conn.transaction(), conn.cursor() as cur:
                for table in TABLES:
                    self._copy_skipping(cur, table, batch[table])

    def _copy(
        self, cur: psycopg.Cursor[Any], into: sql.Identifier, table: str, rows: list[Row]
    ) -> None:
        if not rows:
            return
        columns = sql.SQL(", ").join(sql.Identifier(c) for c in COPY_COLUMNS[table])
        statement = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT BINARY)").format(into, columns)
        with cur.copy(statement) as copy:
            copy.set_types(copy_types(table))
            for row in rows:
                copy.write_row((self.run_id, *row))

    def _copy_skipping(self, cur: psycopg.Cursor[Any], table: str, rows: list[Row]) -> None:
        if not rows:
            return
        stage = sql.Identifier(f"stage_{table}")
        cur.execute(
            sql.SQL(
                "CREATE TEMP TABLE IF NOT EXISTS {} (LIKE {} INCLUDING DEFAULTS) "
                "ON COMMIT DELETE ROWS"
            ).format(stage, sql.Identifier(table))
        )
        self._copy(cur, stage, table, rows)
        cur.execute(
            sql.SQL("INSERT INTO {} SELECT * FROM {} ON CONFLICT DO NOTHING").format(
                sql.Identifier(table), stage
            )
        )

    def _connection(self) -> psycopg.Connection[Any]:
        if self._conn is None or self._conn.closed:
            assert self.db is not None, "started with its database"
            self._conn = self.db.raw_connect()
        return self._conn

    def _drop_connection(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(psycopg.Error):
                self._conn.close()
            self._conn = None

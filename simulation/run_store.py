"""The database side of one persisted run: its ``runs`` row, its recorder, its end.

Every persisted run writes through a writer thread of its own, one batch in flight,
so the PostgreSQL server works on one core while the engine simulates on another.
A batch run hands the writer each full batch (waiting for the one before, so at
most two batches are in memory) and stops with a ``DatabaseError`` once the
recorder's bounded retries are spent. A live run (``flush_every_s`` set) must
outlive a database restart: its writer retries a lost database with capped backoff
for as long as it takes, while the window loop goes on buffering in memory (an
entity's later state replacing its earlier one). Past ``MAX_BUFFERED_ROWS`` waiting
rows the run stops with an error naming the database, never dropping rows
silently. Either way batches are written in order and idempotently, so a batch
retried after a commit whose answer was lost adds nothing, and the end of the run
is recorded only once every batch is written. A live run also keeps its providers'
recent rows in memory (``storage.queries.provider_facts``): the API's public provider
reads are answered from them while the database is away.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from actors.bulk_csv import BulkJob
from simulation.processes.bulk_progress import JobState
from simulation.scenario import Scenario

if TYPE_CHECKING:  # storage (SQLAlchemy, psycopg) is imported only by runs that persist
    from storage.database import Database, DatabaseAddress
    from storage.queries import ProviderMemory
    from storage.recorder import Batch, Recorder

log = logging.getLogger(__name__)

MAX_BUFFERED_ROWS = 250_000  # a live run's rows waiting for the database (~100 MB), at most
RETRY_FIRST_S = 0.2  # a live run's first retry of a lost database, doubling up to:
RETRY_MAX_S = 2.0
FINISH_WAIT_S = 15.0  # how long the end of a live run waits for the database to write the rest
# A batch run's switch interval, instead of CPython's 5 ms: the simulating thread holds
# the GIL while the writer thread needs it for a moment per COPY buffer it formats, and
# at 5 ms a wait the server went idle between buffers (60 s of `throughput_1000`: 18 s
# of wall time at 5 ms, 12.6 s at 0.5 ms; a thread alone is never interrupted).
WRITER_SWITCH_INTERVAL_S = 0.0005
# A Ray host hands its writer a batch as soon as the writer is idle and this share of a
# full batch waits (``HostRows``).
HOST_IDLE_BATCH_DIVISOR = 8


class _SwitchInterval:
    """The process's switch interval, shortened while any batch run writes.

    The setting is process-wide: the first batch run in saves the old value and the
    last one out restores it, so runs that overlap (threads) neither restore it under
    one another nor leave it shortened.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._holders = 0
        self._saved_s = 0.0

    def shorten(self) -> None:
        with self._lock:
            if self._holders == 0:
                self._saved_s = sys.getswitchinterval()
                sys.setswitchinterval(min(self._saved_s, WRITER_SWITCH_INTERVAL_S))
            self._holders += 1

    def restore(self) -> None:
        with self._lock:
            self._holders -= 1
            if self._holders == 0:
                sys.setswitchinterval(self._saved_s)


_switch_interval = _SwitchInterval()


@dataclass(frozen=True, slots=True, kw_only=True)
class StoreOpening:
    """How a persisted run opens its store: where, with what, writing how often."""

    database: Database | None  # an open database; None: open the default one (and own it)
    shards: int
    runtime: str
    speed: float | None
    bulk_jobs: Sequence[BulkJob]
    batch_rows: int
    flush_every_s: float | None  # a live run's longest wait between writes; None: batch


class RunStore:
    """The database side of one persisted run."""

    def __init__(
        self,
        db: Database,
        run_id: str,
        owned: bool,
        batch_rows: int,
        flush_every_s: float | None = None,
        max_buffered_rows: int = MAX_BUFFERED_ROWS,
        providers: Sequence[str] = (),
    ) -> None:
        from storage.queries import ProviderMemory
        from storage.recorder import Recorder

        self.db = db
        self.run_id = run_id
        self.flush_every_s = flush_every_s
        self.max_buffered_rows = max_buffered_rows
        live = flush_every_s is not None
        # A live run's public provider reads are answered from these while the database is
        # away (``storage.queries.provider_facts``).
        self.provider_memory: ProviderMemory | None = ProviderMemory(providers) if live else None
        closing = threading.Event()  # a batch run's retries end early once the run is over

        def pause(delay_s: float) -> None:
            closing.wait(delay_s)

        self.recorder = Recorder(
            db,
            run_id,
            batch_rows=batch_rows,
            flush_when_full=False,
            sleep=pause,
            hold_new_open=not live,  # a live run's dashboards show open invoices at once
        )
        self._writer = _Writer(self.recorder, db.url_for_display, live, closing)
        self._flushed_at = 0.0
        self._started_at: dict[int, datetime | None] = {}  # bulk job -> wall time it started
        self._owned = owned
        self._shortened = not live
        if self._shortened:
            _switch_interval.shorten()

    @classmethod
    def open(cls, scenario: Scenario, opening: StoreOpening) -> RunStore:
        from storage.database import open_database, upgrade
        from storage.runs import NewRun, start_run

        db = opening.database
        owned = db is None
        if db is None:
            db = open_database()
        upgrade(db)
        run = NewRun(
            scenario_name=scenario.name,
            scenario_hash=scenario.digest(),
            seed=scenario.seed,
            shards=opening.shards,
            runtime=opening.runtime,
            options={"shards": opening.shards, "runtime": opening.runtime, "speed": opening.speed},
            providers=scenario.provider_configs(),
            bulk_jobs=opening.bulk_jobs,
        )
        run_id = start_run(db, run)
        names = [config.name for config in run.providers]
        return cls(db, run_id, owned, opening.batch_rows, opening.flush_every_s, providers=names)

    def rows_target(self) -> RowsTarget:
        """Where hosts that write their own rows write them (a Ray batch run)."""
        return RowsTarget(self.db.address(), self.run_id, self.recorder.batch_rows)

    def add(self, records: dict[str, list[tuple[Any, ...]]]) -> None:
        """Buffer a window's rows; hand them to the writer once a batch is full (a live run:
        also once they are a moment old)."""
        if self.provider_memory is not None:
            self.provider_memory.observe(records)
        self.recorder.add(records)
        if self.flush_every_s is not None:
            self.tick()
            return
        self._writer.hand_when_full(self.recorder)

    def bulk_job_changed(self, job: BulkJob, state: JobState) -> None:
        """Record a bulk job's new state with the run's other rows (wall time: now)."""
        from storage.runs import BulkJobState, bulk_job_record

        now = datetime.now(UTC)
        recorded = BulkJobState(
            status=state.status,
            started_at_s=state.started_at_s,
            started_at=None if state.started_at_s is None else now,
            finished_at_s=state.finished_at_s,
            finished_at=None if state.finished_at_s is None else now,
            failure=state.reason,
        )
        if self._started_at.setdefault(job.job, recorded.started_at) is not None:
            recorded = replace(recorded, started_at=self._started_at[job.job])
        self.add({"bulk_jobs": [bulk_job_record(job, recorded)]})

    def write_out(self, timeout_s: float) -> bool:
        """Hand every buffered row to the writer and wait until it is written (a live run's
        history, before its dashboards open), then refresh the planner's statistics;
        False if ``timeout_s`` passed first."""
        from storage.database import CONNECTION_ERRORS
        from storage.runs import refresh_statistics

        writer, deadline = self._writer, time.monotonic() + timeout_s
        while self.recorder.buffered or writer.rows_in_flight:
            if writer.failure is not None:
                raise writer.failure
            if not writer.hand(self.recorder):
                writer.wait_idle(deadline - time.monotonic())
            if time.monotonic() > deadline:
                return False
        try:
            refresh_statistics(self.db)
        except CONNECTION_ERRORS as error:  # the rows are written; the plans may wait
            log.warning("could not refresh statistics: %s", type(error).__name__)
        return True

    def mark(self) -> int:
        """The number of the batch that will hold every row added so far; the next
        ``tick`` hands it to the writer at once (a live run's read after write)."""
        self._flushed_at = 0.0
        return self._writer.handed + (1 if self.recorder.buffered else 0)

    def wait_written(self, mark: int, timeout_s: float) -> bool:
        """Wait until batch ``mark`` is written (True), or ``timeout_s`` passed (False)."""
        return self._writer.wait_written(mark, timeout_s)

    def tick(self) -> None:
        """A live run: hand the buffer to the writer when it is idle and the rows are due."""
        writer = self._writer
        if writer.failure is not None:
            raise writer.failure
        waiting = self.recorder.buffered + writer.rows_in_flight
        if waiting > self.max_buffered_rows:
            from storage.database import DatabaseError

            raise DatabaseError(
                f"{self.db.url_for_display} has not accepted rows for "
                f"{writer.down_for_s():.0f} s and {waiting} rows of run {self.run_id} are waiting, "
                f"more than the limit of {self.max_buffered_rows}; the run stops here. Every "
                f"batch written before ({self.recorder.flushes}) is intact; start the "
                "database and a new run"
            )
        now = time.monotonic()
        due = self.flush_every_s is not None and now - self._flushed_at >= self.flush_every_s
        full = self.recorder.buffered >= self.recorder.batch_rows
        if (due or full) and writer.hand(self.recorder):  # hand: unless a batch is in flight
            self._flushed_at = now

    def finish(self, report: dict[str, Any], stopped_by: str) -> None:
        from storage.database import CONNECTION_ERRORS, DatabaseError
        from storage.runs import finish_run

        passed = all(i["held"] for i in report["invariants"]) and all(
            a["passed"] for a in report["assertions"]
        )
        status = "stopped" if stopped_by == "stopped" else ("passed" if passed else "failed")
        try:
            live = self.flush_every_s is not None
            self._drain(time.monotonic() + FINISH_WAIT_S if live else None)
            self.recorder.close()
            finish_run(self.db, self.run_id, report, status)
        except CONNECTION_ERRORS as error:
            if isinstance(error, DatabaseError):
                raise
            raise DatabaseError(
                f"could not record the end of run {self.run_id} in {self.db.url_for_display} "
                f"({type(error).__name__}); its rows are written, its status stays 'running'"
            ) from error
        finally:
            self._release()

    def _drain(self, deadline: float | None) -> None:
        """Write every buffered row through the writer, or raise once ``deadline`` passes
        (None: a batch run, whose writer gives up by itself after its bounded retries)."""
        from storage.database import DatabaseError

        writer = self._writer
        try:
            while self.recorder.buffered or writer.rows_in_flight:
                if writer.failure is not None:
                    raise writer.failure
                if not writer.hand(self.recorder):
                    writer.wait_idle(None if deadline is None else deadline - time.monotonic())
                if deadline is not None and time.monotonic() > deadline:
                    waiting = self.recorder.buffered + writer.rows_in_flight
                    raise DatabaseError(
                        f"{self.db.url_for_display} did not come back within {FINISH_WAIT_S:g} s "
                        f"of the end of run {self.run_id}: its last {waiting} rows are not "
                        f"written; the {self.recorder.flushes} batches before them are intact"
                    )
        finally:
            writer.close()

    def abort(self) -> None:
        """The run failed: keep what was committed, mark the run, say nothing more."""
        from sqlalchemy.exc import SQLAlchemyError

        from storage.database import DatabaseError
        from storage.runs import finish_run

        self._writer.close()
        try:
            finish_run(self.db, self.run_id, None, "error")
        except (DatabaseError, SQLAlchemyError) as error:
            # The database is what failed: the run's row stays "running", its committed
            # rows stay as they are, and the error that stopped the run is the one raised.
            log.warning("could not mark run %s as failed: %s", self.run_id, error)
        finally:
            self._release()

    def _release(self) -> None:
        if self._shortened:
            self._shortened = False
            _switch_interval.restore()
        if self._owned:
            self.db.dispose()


# Who writes a persisted batch run's rows on Ray: "driver" (one connection; the rows come
# back with every window), "hosts" (each host beside itself, ``RowWriter``), or "auto":
# the hosts when the cluster has two CPUs per host (one for the host, one for its writer
# and its share of the database); else the driver. On 2 CPUs, 2 hosts: the driver's one
# writer ran 1.3 times as fast as two of their own (docs/performance.md).
ROW_WRITERS = ("auto", "driver", "hosts")
CPUS_PER_WRITING_HOST = 2


@dataclass(frozen=True, slots=True)
class RowsTarget:
    """Where the hosts of a persisted Ray batch run write their LPs' rows themselves."""

    database: DatabaseAddress  # holds a password, maybe: never logged
    run_id: str
    batch_rows: int


class HostRows:
    """The rows of the LPs one Ray host runs, written by that host: through a connection
    and a writer thread of its own, one batch in flight, as ``RunStore`` writes a batch
    run's rows in the driver. So the database works on as many connections as there are
    hosts, and no row travels to the driver.

    Replay stays exact: at a checkpoint window every row so far (open invoices and
    wallets too) is written before the host answers, so the rows of the windows a
    recovery will not replay are in the database. A restored host ``discard``s what it
    still buffered and records the replayed windows again; rows that reach the database
    twice are written idempotently (``storage.recorder``). ``close`` writes the rest.
    """

    def __init__(self, target: RowsTarget) -> None:
        from storage.recorder import Recorder

        self._db = db = target.database.open()
        closing = threading.Event()

        def pause(delay_s: float) -> None:
            closing.wait(delay_s)

        self.recorder = Recorder(
            db,
            target.run_id,
            batch_rows=target.batch_rows,
            flush_when_full=False,
            sleep=pause,
            hold_new_open=True,
        )
        self._writer = _Writer(self.recorder, db.url_for_display, False, closing)
        self._idle_rows = max(1, target.batch_rows // HOST_IDLE_BATCH_DIVISOR)
        _switch_interval.shorten()  # the writer thread gets the GIL between COPY buffers
        self._shortened = True

    def add(self, records: dict[str, list[tuple[Any, ...]]]) -> None:
        # Batches go whenever the writer is idle, so that a checkpoint window, which waits
        # for every row, finds little left to write.
        self.recorder.add(records)
        self._writer.hand_when_full(self.recorder, self._idle_rows)

    def write_all(self) -> None:
        """Every row so far, in the database (a checkpoint window)."""
        self._writer.write_all(self.recorder)

    def discard(self) -> None:
        """Forget the rows not yet handed to the writer (a replay records them again)."""
        self.recorder.discard()

    def close(self) -> dict[str, int]:
        """Write the rest and let go of the database; the rows written, by table."""
        try:
            self.write_all()
        finally:
            self._writer.close()
            self.recorder.discard()  # written, or the run ends in error: nothing to flush
            self.recorder.close()  # lets go of the connection
            self._db.dispose()
            if self._shortened:
                self._shortened = False
                _switch_interval.restore()
        return dict(self.recorder.written)


class _Writer:
    """A run's writer thread: one batch in flight. A live run's batch is retried until the
    database takes it; a batch run's gets the recorder's bounded retries."""

    def __init__(
        self, recorder: Recorder, database: str, live: bool, closing: threading.Event
    ) -> None:
        self._recorder = recorder
        self._database = database
        self._live = live
        self._changed = threading.Condition()
        self._batch: Batch | None = None
        self.rows_in_flight = 0
        self.handed = 0  # batches handed to the thread
        self.written = 0  # batches it has written
        # Re-raised by the window loop: a refused statement (a bug), or in a batch run
        # the recorder's DatabaseError once its retries are spent.
        self.failure: BaseException | None = None
        self._down_since: float | None = None
        self._closing = closing
        self._stopped = False  # the thread has ended (closed, or failed)
        self._thread = threading.Thread(target=self._main, name="invoicesim-writer", daemon=True)
        self._thread.start()

    def hand(self, recorder: Recorder, everything: bool = False) -> bool:
        """Take the recorder's buffer as the next batch, unless one is still in flight
        (``everything``: open invoices and wallets too, see ``Recorder.take``)."""
        with self._changed:
            if self._batch is not None or not recorder.buffered:
                return False
            self.rows_in_flight = recorder.buffered
            self._batch = recorder.take(everything)
            self.handed += 1
            self._changed.notify_all()
            return True

    def hand_when_full(self, recorder: Recorder, idle_rows: int | None = None) -> None:
        """A batch run: hand the buffer over once it is a full batch, waiting for the batch
        before if it is still in flight (with ``idle_rows``: also once that many rows wait
        and the writer is idle); raise what made the writer fail."""
        if self.failure is not None:
            raise self.failure
        buffered = recorder.buffered
        if idle_rows is not None and idle_rows <= buffered < recorder.batch_rows:
            self.hand(recorder)  # only if the batch before is written: never waits
        elif buffered >= recorder.batch_rows:
            while not self.hand(recorder):  # the batch before is in flight: wait for it
                self.wait_idle(None)
                if self.failure is not None:
                    raise self.failure

    def write_all(self, recorder: Recorder) -> None:
        """A batch run: write every buffered row, open entities too, and wait until it is
        written; raise what made the writer fail."""
        while recorder.buffered or self.rows_in_flight:
            if self.failure is not None:
                raise self.failure
            if self._stopped:
                raise RuntimeError("the writer is closed: no row can be written any more")
            if not self.hand(recorder, everything=True):
                self.wait_idle(None)
        if self.failure is not None:
            raise self.failure

    def wait_written(self, batch_no: int, timeout_s: float) -> bool:
        """Wait until the ``batch_no``-th batch handed is written; False on timeout or
        failure."""
        with self._changed:
            return (
                self._changed.wait_for(
                    lambda: self.written >= batch_no or self.failure is not None or self._stopped,
                    max(0.0, timeout_s),
                )
                and self.written >= batch_no
            )

    def wait_idle(self, timeout_s: float | None) -> None:
        """Wait until the batch in flight is written or the writer failed, ``timeout_s`` at
        most (None: as long as that takes)."""
        with self._changed:
            self._changed.wait_for(
                lambda: self._batch is None or self.failure is not None or self._stopped,
                None if timeout_s is None else max(0.0, timeout_s),
            )

    def down_for_s(self) -> float:
        since = self._down_since
        return 0.0 if since is None else time.monotonic() - since

    def close(self) -> None:
        """Stop the thread; a batch still in flight is abandoned (its run ends in error)."""
        from storage.database import CONNECT_TIMEOUT_S

        self._closing.set()
        with self._changed:
            self._changed.notify_all()
        self._thread.join(CONNECT_TIMEOUT_S + RETRY_MAX_S)  # a try in progress ends first

    def _main(self) -> None:
        try:
            while True:
                with self._changed:
                    self._changed.wait_for(
                        lambda: self._batch is not None or self._closing.is_set()
                    )
                    batch = self._batch
                if batch is None or not self._write(batch):
                    return  # closed, or failed: whoever waits for the batch learns it below
                with self._changed:
                    self._batch, self.rows_in_flight = None, 0
                    self.written += 1
                    self._changed.notify_all()
        finally:
            with self._changed:
                self._stopped = True
                self._changed.notify_all()

    def _write(self, batch: Batch) -> bool:
        """Write ``batch``, waiting out a lost database; False if closed or failed first."""
        from storage.database import CONNECTION_ERRORS

        if not self._live:
            try:
                self._recorder.write(batch)  # bounded retries, then a DatabaseError
            except Exception as error:  # re-raised by the window loop, which stops the run
                self.failure = error
                return False
            return True
        delay_s = RETRY_FIRST_S
        while True:
            try:
                self._recorder.write_once(batch)
            except CONNECTION_ERRORS as error:
                if self._down_since is None:
                    self._down_since = time.monotonic()
                    log.warning(
                        "%s is unavailable (%s); the live run keeps buffering its rows "
                        "and writes them when it is back",
                        self._database,
                        type(error).__name__,
                    )
                if self._closing.wait(delay_s):
                    return False
                delay_s = min(2 * delay_s, RETRY_MAX_S)
                continue
            except Exception as error:  # a refused statement is a bug: the run must stop on it
                self.failure = error
                return False
            if self._down_since is not None:
                log.warning(
                    "%s is back after %.1f s; the buffered rows are written",
                    self._database,
                    self.down_for_s(),
                )
                self._down_since = None
            return True

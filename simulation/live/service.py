"""The live engine: one persisted scenario on the paced clock, taking commands.

``invoicesim serve`` runs the simulation in a background thread while the API
changes the world: each API command becomes a ``simulation.commands`` command
handed to ``LiveEngine.submit``, which queues it (bounded) and wakes the window
loop; the loop delivers it to the LPs that own the entities in a window it
starts at once, and ``submit`` returns their answer, or raises the error they gave.
Rows are written to PostgreSQL at least every ``FLUSH_EVERY_S`` of wall time,
so what the API reads is never more than a moment stale. If PostgreSQL goes
away, the run goes on: its rows wait in memory (bounded) and are written once
the server is back (``simulation.run_store``); a provider change, which must be
recorded as it takes effect, is refused meanwhile, and the public provider reads
are answered from the providers' recent rows the run keeps in memory
(``providers_in_memory``).

``simulation.live.dispatch`` decides which LPs a command goes to and how
their answers combine.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from actors.bulk_csv import BulkJob
from actors.errors import InputError, InvoicesimError, NotFoundError, UnavailableError
from actors.invoice import DEFAULT_TERMS_DAYS, day_at
from actors.invoice_ids import InvoiceIds, Origin
from simulation.commands import (
    BulkRowError,
    BulkSubmitted,
    ClearFault,
    Command,
    ConfigureProvider,
    CreateInvoice,
    PayInvoice,
    ProviderConfigured,
    StartFault,
    SubmitBulk,
)
from simulation.engine import RunOptions, run_scenario
from simulation.live.dispatch import ROUTED, Pending, Router, first_error_or, owner_answer, resolve
from simulation.processes.bulk_progress import BulkBoard
from simulation.processes.layout import Layout
from simulation.processes.messages import COMMAND_SOURCE, Envelope, Request
from simulation.run_store import RunStore
from simulation.scenario import Scenario

if TYPE_CHECKING:
    from storage.queries import ProviderRows

log = logging.getLogger(__name__)

MAX_QUEUED = 1_000  # commands waiting for a window; more is a 503, not a longer queue
MAX_PER_WINDOW = 200  # commands delivered per window (the rest wait for the next one)
FLUSH_EVERY_S = 0.25  # wall seconds between database writes at most
TICK_WALL_S = 0.05  # the loop looks at the clock at least this often (wall seconds)
STOP_TIMEOUT_S = 30.0
WRITE_WAIT_S = 5.0  # how long a created invoice's answer waits for its row to be written
HISTORY_WRITE_WAIT_S = 60.0  # how long a live run waits for its history's rows to be written


@dataclass(frozen=True, slots=True)
class LiveStatus:
    running: bool
    run_id: str | None
    scenario: str | None
    sim_now_s: float
    speed: float
    started_at: datetime | None  # wall time of simulated t=0
    drift_s: float
    windows: int
    error: str | None = None


class LiveEngine:
    """Runs one scenario at a time on the paced clock; thread-safe ``submit``."""

    def __init__(
        self, db: Any, *, runtime: str = "local", shards: int = 2, speed: float = 1.0
    ) -> None:
        if not 0.01 <= speed <= 1000:
            raise InputError(f"speed: must be within 0.01..1000, got {speed}")
        self.db = db
        self.runtime = runtime
        self.shards = shards
        self.speed = speed
        self._lock = threading.Lock()
        self._run: _LiveRun | None = None
        self.last_report: dict[str, Any] | None = None

    # ---- control -----------------------------------------------------------------
    def start(self, scenario: Scenario) -> str:
        """Stop the current run (if any) and start ``scenario``; returns its run id."""
        with self._lock:
            self._stop_locked()
            run = _LiveRun(self, scenario)
            self._run = run
        return run.start()

    def stop(self) -> str | None:
        with self._lock:
            return self._stop_locked()

    def _stop_locked(self) -> str | None:
        run = self._run
        if run is None:
            return None
        run.stop()
        if run.report is not None:
            self.last_report = run.report
        return run.run_id

    def close(self) -> None:
        self.stop()

    # ---- commands ----------------------------------------------------------------
    def submit(self, command: Command, timeout_s: float = 10.0) -> Any:
        """Deliver ``command`` in a window started for it and return the result (or raise)."""
        run = self._run
        if run is None or not run.alive():
            raise UnavailableError(
                "no scenario is running; start one with POST /api/v1/scenarios/{name}/start"
            )
        return run.submit(command, timeout_s)

    # ---- state -------------------------------------------------------------------
    def status(self) -> LiveStatus:
        run = self._run
        if run is None:
            return LiveStatus(False, None, None, 0.0, self.speed, None, 0.0, 0)
        return LiveStatus(
            run.alive(),
            run.run_id,
            run.scenario.name,
            run.sim_now_s,
            self.speed,
            run.started_at,
            run.drift_s(),
            run.windows,
            run.error,
        )

    def providers_in_memory(self) -> ProviderRows | None:
        """The running scenario's recent provider rows, held in memory (None: no run): what
        the public provider routes answer from while the database is away."""
        run = self._run
        memory = None if run is None or run._store is None else run._store.provider_memory
        return None if memory is None else memory.snapshot()

    def wall_time(self, sim_s: float) -> datetime:
        run = self._run
        base = run.started_at if run is not None and run.started_at else datetime.now(UTC)
        return base + timedelta(seconds=sim_s / self.speed)


class _LiveRun:
    """One scenario's thread, its command queue and the routing of commands to LPs."""

    def __init__(self, engine: LiveEngine, scenario: Scenario) -> None:
        self.engine = engine
        self.scenario = scenario
        self.run_id: str | None = None
        self.started_at: datetime | None = None
        self.sim_now_s = 0.0
        self.windows = 0
        self.error: str | None = None
        self.report: dict[str, Any] | None = None
        self.tick_s = TICK_WALL_S * engine.speed
        self._queue: queue.Queue[Pending] = queue.Queue(MAX_QUEUED)
        self._waiting: dict[int, Pending] = {}  # request token -> command
        self._tokens = 0
        self._stopping = threading.Event()
        self._arrived = threading.Event()  # wakes the window loop: a command, or stop
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._main, name="invoicesim-live", daemon=True)
        self._router: Router | None = None
        self._store: RunStore | None = None
        self._board = BulkBoard()
        self._ids = InvoiceIds()
        self._ids_lock = threading.Lock()  # callers' threads claim ids
        self._next_job = 0
        self._versions: dict[str, int] = {}
        self._configs = {c.name: c for c in scenario.provider_configs()}
        self.wall_start = 0.0
        # A live run's calendar is the real one: due dates are checked against today.
        self.start_date = datetime.now(UTC).date()

    def start(self) -> str:
        self._thread.start()
        self._ready.wait(60.0)
        if self.run_id is None:
            raise UnavailableError(
                f"the scenario {self.scenario.name!r} did not start: {self.error}"
            )
        return self.run_id

    def alive(self) -> bool:
        return self._thread.is_alive() and not self._stopping.is_set()

    def drift_s(self) -> float:
        if not self.alive():
            return 0.0
        return max(0.0, (time.monotonic() - self.wall_start) * self.engine.speed - self.sim_now_s)

    def stop(self) -> None:
        self._stopping.set()
        self._arrived.set()
        self._thread.join(STOP_TIMEOUT_S)
        self._fail_waiting("the scenario was stopped before this command was carried out")

    # ---- the thread ----------------------------------------------------------------
    def _main(self) -> None:
        engine = self.engine
        options = RunOptions(
            shards=engine.shards,
            runtime=engine.runtime,
            speed=engine.speed,
            persist=True,
            database=engine.db,
            live=self,
            flush_every_s=FLUSH_EVERY_S,
            start_date=self.start_date,
        )
        try:
            self.report = run_scenario(self.scenario, options, should_stop=self._stopping.is_set)
        except InvoicesimError as error:
            self.error = str(error)
            log.error("live run %s stopped: %s", self.run_id, error)
        except Exception as error:  # the thread must say why it died, not vanish
            self.error = f"{type(error).__name__}: {error}"
            log.exception("live run %s crashed", self.run_id)
        finally:
            self._ready.set()
            self._fail_waiting("the scenario has ended; start one to send commands")

    def started(
        self,
        *,
        run_id: str | None,
        layout: Layout,
        board: BulkBoard,
        ids: InvoiceIds,
        store: RunStore | None,
    ) -> None:
        self.run_id, self._store = run_id, store
        self._router = Router(layout, self.scenario.upload_row_interval_s)
        self._board, self._ids = board, ids
        self._next_job = len(board.jobs)
        self._versions = dict.fromkeys(self._configs, 1)

    def begin_paced(self) -> None:
        if self._store is not None and self.scenario.history is not None:
            # The history's rows are in the database before its pages open.
            self._store.write_out(HISTORY_WRITE_WAIT_S)
        self.started_at = datetime.now(UTC)
        self.wall_start = time.monotonic()
        self._ready.set()

    def clock(self, now: float, windows: int) -> None:
        self.sim_now_s, self.windows = now, windows
        if self._store is not None:
            self._store.tick()

    # ---- commands: caller side -----------------------------------------------------
    def submit(self, command: Any, timeout_s: float) -> Any:
        if self._queue.full():  # before anything is claimed or recorded for it
            raise UnavailableError(
                f"the engine has {MAX_QUEUED} commands waiting; retry in a moment"
            )
        pending = self._prepare(command)
        try:
            self._queue.put_nowait(pending)
        except queue.Full:
            raise UnavailableError(
                f"the engine has {MAX_QUEUED} commands waiting; retry in a moment"
            ) from None
        self._arrived.set()
        try:
            result = pending.future.result(timeout_s)
        except FutureTimeout:
            raise UnavailableError(
                f"the engine did not answer within {timeout_s:g} s; it may be overloaded"
            ) from None
        if type(command) is ConfigureProvider:
            result = self._record_config(command, result)
        store, mark = self._store, pending.written_mark
        if store is not None and mark is not None:
            # A 201 means the invoice can be read at once, from any process: wait for its
            # rows (a database that is down meanwhile: its reads answer 503 anyway).
            store.wait_written(mark, min(timeout_s, WRITE_WAIT_S))
        return result

    def _prepare(self, command: Any) -> Pending:
        kind = type(command)
        if kind is SubmitBulk:
            return self._prepare_bulk(command)
        if kind is CreateInvoice:
            return self._prepare_invoice(command)
        if (
            kind in (StartFault, ClearFault, ConfigureProvider)
            and command.provider not in self._configs
        ):
            raise NotFoundError(
                f"unknown provider {command.provider!r}; known: {', '.join(sorted(self._configs))}"
            )
        if (
            kind is ConfigureProvider
            and command.priority is not None
            and not 1 <= command.priority <= 100
        ):
            raise InputError(f"priority: must be within 1..100, got {command.priority}")
        if kind is ConfigureProvider and not self.engine.db.reachable():
            from storage.database import DatabaseError

            # Its new version is written by the caller once the LPs applied it: refuse it
            # up front rather than apply a change that would then go unrecorded.
            raise DatabaseError(
                f"{self.engine.db.public_name} is unavailable and a provider change is "
                "recorded as it takes effect; retry once the database is back"
            )
        if kind not in ROUTED:
            raise InputError(f"unknown command {kind.__name__}")
        pending = Pending(command)
        if kind is PayInvoice:
            pending.combine = owner_answer
        return pending

    def _prepare_invoice(self, command: CreateInvoice) -> Pending:
        """Name the invoice (its own id, or the next free ``INV-`` one) and its due date
        (given, or the run's day plus the default terms) before any shard sees it."""
        run_date = day_at(self.start_date, self.sim_now_s)
        due = command.due_date or run_date + timedelta(days=DEFAULT_TERMS_DAYS)
        if due < run_date:
            raise InputError(
                f"due_date: {due.isoformat()} is in the past (today is {run_date.isoformat()}); "
                "give today or a later date"
            )
        with self._ids_lock:
            invoice_id = command.invoice_id or self._ids.next_api_id()
            self._ids.claim(invoice_id, Origin(at_s=self.sim_now_s))
        pending = Pending(replace(command, invoice_id=invoice_id, due_date=due))
        ids, lock = self._ids, self._ids_lock

        def created_or_released(results: list[Any]) -> Any:
            try:
                return first_error_or(results)
            except InvoicesimError:
                with lock:  # refused by the shard: the id was never used
                    ids.release(invoice_id)
                raise

        pending.combine = created_or_released
        return pending

    def _prepare_bulk(self, command: SubmitBulk) -> Pending:
        from storage.runs import insert_bulk_job

        if command.provider is not None and command.provider not in self._configs:
            raise NotFoundError(  # as for /providers/{name}: well formed, but not of this run
                f"provider: unknown provider {command.provider!r}; use auto or one of: "
                f"{', '.join(sorted(self._configs))}"
            )
        at_s = self.sim_now_s
        with self.engine._lock:  # job ids are unique within the run
            job_id = self._next_job
            self._next_job += 1
        with self._ids_lock:
            run_date = day_at(self.start_date, at_s)
            # An over-size file raises an InputError; every row error names its line.
            parsed = self._ids.import_csv(job_id, command.name, command.data, run_date)
        errors = tuple(BulkRowError(e.line, e.column, e.reason) for e in parsed.errors)
        job = BulkJob.of(job_id, command.name, at_s, command.provider, parsed)
        assert self.run_id is not None
        try:
            insert_bulk_job(self.engine.db, self.run_id, job)
        except BaseException:
            with self._ids_lock:  # nothing was imported: the same file may come again
                for draft in job.drafts:
                    self._ids.release(draft.invoice_id)
            raise
        pending = Pending(job)
        submitted = BulkSubmitted(job_id, parsed.rows_seen, len(parsed.accepted), errors)
        pending.combine = lambda results: first_error_or(results, submitted)
        return pending

    def _record_config(
        self, command: ConfigureProvider, priority_enabled: Any
    ) -> ProviderConfigured:
        from storage.runs import record_provider_config

        priority, enabled = priority_enabled
        with self.engine._lock:
            config = replace(self._configs[command.provider], priority=priority, enabled=enabled)
            self._configs[command.provider] = config
            version = self._versions[command.provider] + 1
            self._versions[command.provider] = version
        breaker = {
            k: v
            for k, v in (
                ("failure_threshold", command.failure_threshold),
                ("open_s", command.open_s),
            )
            if v is not None
        }
        now = self.sim_now_s
        assert self.run_id is not None
        record_provider_config(self.engine.db, self.run_id, config, version, now, breaker)
        return ProviderConfigured(command.provider, version, priority, enabled, now)

    # ---- commands: engine side (the window loop's thread) ---------------------------
    def wait(self, timeout_s: float) -> None:
        """Sleep until a command arrives, the run is stopped or ``timeout_s`` has passed."""
        self._arrived.wait(timeout_s)
        self._arrived.clear()  # take() then drains the queue: nothing put before is missed

    def take(self, at: float) -> list[tuple[int, Envelope]]:
        router = self._router
        assert router is not None
        out: list[tuple[int, Envelope]] = []
        for _ in range(MAX_PER_WINDOW):
            try:
                pending = self._queue.get_nowait()
            except queue.Empty:
                break
            if pending.future.done():  # the caller gave up waiting (timeout)
                continue
            if isinstance(pending.command, BulkJob):
                self._board.add(pending.command)
            for dst, lp_command in router.targets(pending.command, at):
                self._tokens += 1
                token = self._tokens
                self._waiting[token] = pending
                pending.expected += 1
                out.append((dst, (at, COMMAND_SOURCE, token, Request(token, lp_command))))
            if pending.expected == 0:  # nothing for any LP to do (a CSV of rejected rows)
                resolve(pending)
        return out

    def answer(self, replies: list[tuple[int, Any]]) -> None:
        for token, result in replies:
            pending = self._waiting.pop(token, None)
            if pending is None:
                continue
            pending.results.append(result)
            if len(pending.results) == pending.expected and not pending.future.done():
                if self._store is not None and type(pending.command) is CreateInvoice:
                    pending.written_mark = self._store.mark()
                resolve(pending)

    def _fail_waiting(self, reason: str) -> None:
        for pending in list(self._waiting.values()):
            if not pending.future.done():
                pending.future.set_exception(UnavailableError(reason))
        self._waiting.clear()
        while True:
            try:
                pending = self._queue.get_nowait()
            except queue.Empty:
                break
            if not pending.future.done():
                pending.future.set_exception(UnavailableError(reason))

"""The database side of one persisted run: its ``runs`` row, its recorder, its end."""

from __future__ import annotations

import logging
import time
from typing import Any

log = logging.getLogger(__name__)


class RunStore:
    """The database side of one persisted run."""

    def __init__(self, db: Any, run_id: str, owned: bool, batch_rows: int) -> None:
        from storage.recorder import Recorder

        self.db = db
        self.run_id = run_id
        self.recorder = Recorder(db, run_id, batch_rows=batch_rows)
        self._owned = owned

    @classmethod
    def open(
        cls,
        options: Any,  # simulation.engine.RunOptions
        scenario: Any,
        shards: int,
        runtime: str,
        bulk_jobs: list[dict[str, Any]],
    ) -> RunStore:
        from storage.database import open_database, upgrade
        from storage.runs import start_run

        db = options.database
        owned = db is None
        if db is None:
            db = open_database()
        upgrade(db)
        run_options = {"shards": shards, "runtime": runtime, "speed": options.speed}
        run_id = start_run(
            db, scenario, shards=shards, runtime=runtime, options=run_options, bulk_jobs=bulk_jobs
        )
        store = cls(db, run_id, owned, options.batch_rows)
        store.flush_every_s = options.flush_every_s
        return store

    flush_every_s: float | None = None
    _flushed_at = 0.0

    def add(self, records: dict[str, list[tuple[Any, ...]]]) -> None:
        """Buffer a window's rows; a live run also writes them once they are a moment old."""
        self.recorder.add(records)
        if self.flush_every_s is not None:
            self.tick()

    def tick(self) -> None:
        now = time.monotonic()
        if self.flush_every_s is not None and now - self._flushed_at >= self.flush_every_s:
            self.recorder.flush()
            self._flushed_at = now

    def finish(self, report: dict[str, Any], stopped_by: str) -> None:
        from storage.runs import finish_run

        self.recorder.close()
        passed = all(i["held"] for i in report["invariants"]) and all(
            a["passed"] for a in report["assertions"]
        )
        status = "stopped" if stopped_by == "stopped" else ("passed" if passed else "failed")
        finish_run(self.db, self.run_id, report, status)
        self._release()

    def abort(self) -> None:
        """The run failed: keep what was committed, mark the run, say nothing more."""
        from sqlalchemy.exc import SQLAlchemyError

        from storage.database import DatabaseError
        from storage.runs import finish_run

        try:
            finish_run(self.db, self.run_id, None, "error")
        except (DatabaseError, SQLAlchemyError) as error:
            # The database is what failed: the run's row stays "running", its committed
            # rows stay as they are, and the error that stopped the run is the one raised.
            log.warning("could not mark run %s as failed: %s", self.run_id, error)
        finally:
            self._release()

    def _release(self) -> None:
        if self._owned:
            self.db.dispose()

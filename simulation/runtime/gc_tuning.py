"""The garbage collector's thresholds while a run is going.

A run allocates a few dozen container objects per invoice (records, messages,
timers, closures), almost all freed by reference counting within seconds of
simulated time, and creates almost no reference cycles (some 12,000 in a run of
60,000 invoices). CPython's default thresholds (700, 10, 10) still collect the
young generation every 700 allocations and promote whatever is alive at that
moment; the promoted survivors then trigger full collections that walk every
object of the run (hundreds of thousands of idempotency keys, timers, wallets).
That was a third of the CPU time of a 60 s run at 1,000 invoices/s (13.6 s
against 9.0 s with the collector off) and grew with the run's state.

With these thresholds the young generation is collected every 100,000
allocations, so nearly everything has died by then, and a full collection comes
seldom; cycles are still collected. The thresholds are the process's, so they
are set while at least one run is going and put back after the last one ends.
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

RUN_THRESHOLDS = (100_000, 20, 10)
# A live run serves API requests, so a pause matters more than the CPU it costs: in
# ``invoicesim serve`` the young generation holds the state of every new invoice, and
# collecting 100,000 survivors at once stopped every request for 60-130 ms. These
# thresholds collect the young generations every 10,000 allocations (a pause of a few
# milliseconds) and the whole heap only after 10,000 of those, when its garbage is
# almost all long gone by reference counting.
LIVE_THRESHOLDS = (10_000, 1, 10_000)


class _Thresholds:
    """Counts the runs going in this process (live runs share it with the API server);
    while a live run is going, its thresholds win."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._runs = {False: 0, True: 0}  # live? -> runs going
        self._saved = gc.get_threshold()

    def _apply(self) -> None:
        if self._runs[True]:
            gc.set_threshold(*LIVE_THRESHOLDS)
        elif self._runs[False]:
            gc.set_threshold(*RUN_THRESHOLDS)
        else:
            gc.set_threshold(*self._saved)

    @contextmanager
    def during_run(self, live: bool) -> Iterator[None]:
        with self._lock:
            if not any(self._runs.values()):
                self._saved = gc.get_threshold()
            self._runs[live] += 1
            self._apply()
        try:
            yield
        finally:
            with self._lock:
                self._runs[live] -= 1
                self._apply()


_THRESHOLDS = _Thresholds()


def during_run(live: bool = False) -> contextlib.AbstractContextManager[None]:
    """Set the collector's thresholds for a run (``live``: for one that serves requests)
    until the ``with`` block ends."""
    return _THRESHOLDS.during_run(live)


def for_worker() -> None:
    """In a process that only hosts LPs (a Ray actor): the run's thresholds, for good."""
    gc.set_threshold(*RUN_THRESHOLDS)

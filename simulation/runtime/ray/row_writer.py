"""A Ray host's rows, written by a process of its own beside the host (``RowWriter``).

A host that wrote its rows in a thread of its own process would format every COPY
row under the same interpreter lock as its logical processes: the shard's
simulation and its rows would take turns on one core. The host instead sends each
window's rows to a writer process it starts (``spawn``: the host's threads are not
forked), over a pipe, as the driver's recorder was sent them before: pickled with
the C pickler. That process keeps a ``simulation.run_store.HostRows`` (a recorder
with a connection and a writer thread) and works on a core of its own.

The host's calls keep ``HostRows``'s meaning: ``add`` does not wait; ``write_all``
waits until every row so far is written (a checkpoint window); ``discard`` forgets
what is not yet written (a replay records it again); ``close`` writes the rest and
answers the rows written by table. An error of the writer (the database is lost
past its retries) comes back at the host's next call and is raised there. The
writer ends when its pipe closes: a host that dies takes its writer with it.
"""

from __future__ import annotations

import multiprocessing
from multiprocessing.connection import Connection
from typing import Any

from simulation.run_store import HostRows, RowsTarget

START_S = 60.0  # how long the host waits for its writer's answer to a call that waits
JOIN_S = 10.0  # how long a closed writer has to exit


class RowWriter:
    """The host's side: a pipe to its writer process."""

    def __init__(self, target: RowsTarget) -> None:
        context = multiprocessing.get_context("spawn")
        self._conn, theirs = context.Pipe()
        self._process = context.Process(
            target=serve, args=(theirs, target), name="invoicesim-rows", daemon=True
        )
        self._process.start()
        theirs.close()

    def add(self, records: dict[str, list[tuple[Any, ...]]]) -> None:
        self._raise_if_failed()
        self._conn.send(("add", records))

    def write_all(self) -> None:
        self._call("write_all")

    def discard(self) -> None:
        self._raise_if_failed()
        self._conn.send(("discard", None))

    def close(self) -> dict[str, int]:
        """Write the rest; the rows written, by table. The writer process then ends."""
        try:
            written: dict[str, int] = self._call("close")
        finally:
            self._conn.close()
            self._process.join(JOIN_S)
            if self._process.is_alive():
                self._process.kill()
        return written

    def _raise_if_failed(self) -> None:
        if self._conn.poll():  # the writer only speaks unasked when it failed
            kind, value = self._conn.recv()
            raise value if kind == "failed" else RuntimeError(f"row writer said {kind!r}")

    def _call(self, op: str) -> Any:
        self._conn.send((op, None))
        if not self._conn.poll(START_S):
            raise RuntimeError(f"the row writer did not answer {op!r} within {START_S:g} s")
        kind, value = self._conn.recv()
        if kind == "failed":
            raise value
        return value


def serve(conn: Connection, target: RowsTarget) -> None:
    """The writer process: carry out the host's calls until it closes the pipe."""
    rows = HostRows(target)
    failed: BaseException | None = None
    while True:
        try:
            op, value = conn.recv()
        except (EOFError, OSError):  # the host is gone (or closed the pipe)
            return
        if failed is not None:  # every call after a failure answers it, once each
            if op in ("write_all", "close"):
                conn.send(("failed", failed))
            if op == "close":
                return
            continue
        try:
            if op == "add":
                rows.add(value)
            elif op == "discard":
                rows.discard()
            elif op == "write_all":
                rows.write_all()
                conn.send(("ok", None))
            elif op == "close":
                conn.send(("ok", rows.close()))
                return
        except Exception as error:
            failed = error
            conn.send(("failed", error))
            if op == "close":
                return

"""A server of an exercise in a process of its own (``spawn``: the parent's threads are
not forked), and the little protocol it speaks over its pipe: it answers
``("started", what the parent needs)`` or ``("failed", why)`` once it serves, then
serves until the parent sends ``"stop"`` (or goes away) and answers what it has to
hand back."""

from __future__ import annotations

import contextlib
import multiprocessing
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

from actors.errors import InvoicesimError

START_S = 60.0  # a spawned interpreter imports FastAPI, uvicorn and the simulation first
STOP_S = 60.0


class Child:
    """The parent's side; ``started`` is what the child answered when it began serving."""

    def __init__(self, target: Callable[..., None], args: tuple[Any, ...], what: str) -> None:
        self.what = what
        context = multiprocessing.get_context("spawn")
        self._conn, theirs = context.Pipe()
        self._process = context.Process(target=target, args=(theirs, *args), name=what)
        self._process.start()
        theirs.close()
        if not self._conn.poll(START_S):
            self._process.kill()
            raise InvoicesimError(f"the {what} did not start within {START_S:g} s")
        kind, value = self._conn.recv()
        if kind != "started":
            self._process.join(STOP_S)
            raise InvoicesimError(f"the {what} did not start: {value}")
        self.started: Any = value

    def stop(self) -> Any:
        """Ask it to stop; what it hands back."""
        try:
            self._conn.send("stop")
            if not self._conn.poll(STOP_S):
                raise InvoicesimError(f"the {self.what} did not stop within {STOP_S:g} s")
            return self._conn.recv()
        finally:
            self._conn.close()
            self._process.join(STOP_S)
            if self._process.is_alive():
                self._process.kill()


def serve_child(conn: Connection, start: Callable[[], tuple[Any, Callable[[], Any]]]) -> None:
    """The child's side: ``start()`` begins serving and gives what to answer and how to
    stop (which gives what to hand back)."""
    try:
        started, stop = start()
    except Exception as error:
        conn.send(("failed", str(error)))
        return
    conn.send(("started", started))
    message: Any = None
    with contextlib.suppress(EOFError, OSError):  # EOF: the parent is gone
        message = conn.recv()
    handed = stop()
    if message == "stop":
        with contextlib.suppress(OSError):
            conn.send(handed)

"""Serving one of an exercise's servers (the emulators, the reference orchestrator) on an
event loop of its own (uvloop, as ``invoicesim serve``): on this thread until SIGINT or
SIGTERM (``serve_until_signal``), or on a new thread until told to stop
(``serve_in_thread``).

A server is a coroutine ``serve(stopping, on_start)``: it serves until ``stopping`` is
set, and calls ``on_start(value)`` once it serves, with what its starter needs (a
clock, say).
"""

from __future__ import annotations

import asyncio
import logging
import signal
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import uvloop

log = logging.getLogger("invoicesim.exercise")

Serve = Callable[[asyncio.Event, Callable[[Any], None]], Awaitable[None]]


def serve_until_signal(serve: Serve, on_start: Callable[[Any], None]) -> None:
    """Serve on this thread until SIGINT or SIGTERM."""

    async def main() -> None:
        stopping = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stopping.set)
        try:
            await serve(stopping, on_start)
        finally:
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(sig)

    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(main())


@dataclass(slots=True)
class ServingThread:
    """A server on a thread of its own; ``started`` is what it gave ``on_start``."""

    what: str
    started: Any
    _loop: asyncio.AbstractEventLoop
    _stopping: asyncio.Event
    _thread: threading.Thread

    def stop(self, timeout_s: float = 10.0) -> None:
        self._loop.call_soon_threadsafe(self._stopping.set)
        self._thread.join(timeout_s)
        if self._thread.is_alive():
            raise RuntimeError(f"the {self.what} did not stop in time")


def serve_in_thread(serve: Serve, what: str, ready_timeout_s: float = 10.0) -> ServingThread:
    """Serve on a new thread; raise ``RuntimeError`` if it does not start in time."""
    started = threading.Event()
    holder: dict[str, Any] = {}

    async def main() -> None:
        stopping = asyncio.Event()
        holder["loop"], holder["stopping"] = asyncio.get_running_loop(), stopping

        def on_start(value: Any) -> None:
            holder["started"] = value
            started.set()

        await serve(stopping, on_start)

    def run() -> None:
        try:
            with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
                runner.run(main())
        except BaseException as error:  # seen by the starter below, or logged
            holder["error"] = error
            log.exception("the %s stopped on an error", what)
        finally:
            started.set()

    thread = threading.Thread(target=run, name=f"invoicesim-{what}", daemon=True)
    thread.start()
    if not started.wait(ready_timeout_s) or "started" not in holder:
        raise RuntimeError(f"the {what} did not start: {holder.get('error')}")
    return ServingThread(what, holder["started"], holder["loop"], holder["stopping"], thread)

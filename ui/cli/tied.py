"""Run a command, or a function, that ends when the process that started it ends, however
that ends.

``python -m ui.cli.tied PARENT_PID COMMAND...`` asks Linux to send this process
SIGTERM when its parent dies (``PR_SET_PDEATHSIG``), makes sure the parent is
still ``PARENT_PID`` (it may have died before the request), then becomes
COMMAND (``execvp`` keeps the request). ``invoicesim demo`` starts its
dashboards this way: in their own session, so a Ctrl-C in the terminal reaches
the demo alone and it stops them in order, yet a demo killed outright (SIGKILL,
an out-of-memory kill) does not leave them serving a dead API. Elsewhere than
Linux the command just runs.

``run_apart(body)`` runs a function the same way, in a forked child of its own
session: ``invoicesim demo`` runs in one, so that a signal sent to the whole
process group (Ctrl-C in a terminal, SIGTERM from a service manager or a
container's stop) reaches the command alone, which asks the child once to stop.
The child then stops everything in its own order; Ray's processes, which it
starts in its session, are not killed under it by the same signal.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import os
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable
from types import FrameType
from typing import NoReturn

PR_SET_PDEATHSIG = 1
STOP_WAIT_S = 120.0  # how long a child asked to stop may take before it is killed
FORWARDED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def tie_to_parent(parent_pid: int) -> None:
    """SIGTERM this process when its parent exits; exit now if it already has."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
    if os.getppid() != parent_pid:  # the parent died before the request took hold
        sys.exit(0)


def command(parent_pid: int, argv: list[str]) -> list[str]:
    """The argv that runs ``argv`` tied to ``parent_pid``."""
    return [sys.executable, "-m", "ui.cli.tied", str(parent_pid), *argv]


def run_apart(body: Callable[[], int], stop_wait_s: float = STOP_WAIT_S) -> int:
    """``body()`` in a forked child, in a session of its own and tied to this process; the
    child's exit code (128 + N if signal N ended it).

    SIGINT, SIGTERM and SIGHUP sent to this process become one SIGTERM to the child;
    if it has not ended ``stop_wait_s`` later, its whole session is killed. Call it
    before any thread is started: only the calling thread lives on in the child.
    """
    assert threading.active_count() == 1, "run_apart forks: call it before any thread starts"
    asked: list[float] = []  # when the child was asked to stop
    child = 0

    def forward(signum: int, frame: FrameType | None) -> None:
        if not asked:
            asked.append(time.monotonic())
            if child:
                os.kill(child, signal.SIGTERM)

    previous = {signum: signal.signal(signum, forward) for signum in FORWARDED}
    parent = os.getpid()
    sys.stdout.flush()
    sys.stderr.flush()
    child = os.fork()
    if child == 0:
        _child(parent, body)
    try:
        if asked:  # a signal came before the child existed
            os.kill(child, signal.SIGTERM)
        return _wait(child, asked, stop_wait_s)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _child(parent_pid: int, body: Callable[[], int]) -> NoReturn:
    """The child's whole life: its own session, tied to the parent; never returns."""
    code = 1
    try:
        os.setsid()
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGHUP, signal.SIG_DFL)
        tie_to_parent(parent_pid)
        code = body()
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else 1
    except BaseException:
        traceback.print_exc()
    try:
        atexit._run_exitfuncs()  # what the interpreter's exit would run (the embedded server's)
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)  # never back into the parent's code: its caller is not ours to return to


def _wait(child: int, asked: list[float], stop_wait_s: float) -> int:
    while True:
        done, status = os.waitpid(child, os.WNOHANG)
        if done:
            code = os.waitstatus_to_exitcode(status)
            return code if code >= 0 else 128 - code
        if asked and time.monotonic() - asked[0] > stop_wait_s:
            with contextlib.suppress(ProcessLookupError):  # its session: what it started there
                os.killpg(child, signal.SIGKILL)
        time.sleep(0.1)


def main() -> None:
    if len(sys.argv) < 3 or not sys.argv[1].isdigit():
        sys.exit("usage: python -m ui.cli.tied PARENT_PID COMMAND [ARG...]")
    tie_to_parent(int(sys.argv[1]))
    os.execvp(sys.argv[2], sys.argv[2:])


if __name__ == "__main__":
    main()

"""Run a command that ends when the process that started it ends, however that ends.

``python -m ui.cli.tied PARENT_PID COMMAND...`` asks Linux to send this process
SIGTERM when its parent dies (``PR_SET_PDEATHSIG``), makes sure the parent is
still ``PARENT_PID`` (it may have died before the request), then becomes
COMMAND (``execvp`` keeps the request). ``invoicesim demo`` starts its
dashboards this way: in their own session, so a Ctrl-C in the terminal reaches
the demo alone and it stops them in order, yet a demo killed outright (SIGKILL,
an out-of-memory kill) does not leave them serving a dead API. Elsewhere than
Linux the command just runs.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys

PR_SET_PDEATHSIG = 1


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


def main() -> None:
    if len(sys.argv) < 3 or not sys.argv[1].isdigit():
        sys.exit("usage: python -m ui.cli.tied PARENT_PID COMMAND [ARG...]")
    tie_to_parent(int(sys.argv[1]))
    os.execvp(sys.argv[2], sys.argv[2:])


if __name__ == "__main__":
    main()

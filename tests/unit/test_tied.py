"""``ui.cli.tied``: a command started tied to its parent ends when the parent is killed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

# The parent: starts a tied `sleep` in its own session (as the demo starts its
# dashboards), prints the child's pid, then waits to be killed.
PARENT = """
import os, subprocess, sys, time
from ui.cli import tied
child = subprocess.Popen(tied.command(os.getpid(), ["sleep", "120"]), start_new_session=True)
print(child.pid, flush=True)
time.sleep(120)
"""


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie (exited, not yet reaped by init) counts as gone
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_a_tied_child_ends_when_its_parent_is_killed_outright() -> None:
    parent = subprocess.Popen([sys.executable, "-c", PARENT], stdout=subprocess.PIPE, text=True)
    assert parent.stdout is not None
    child = int(parent.stdout.readline())
    time.sleep(0.5)  # the child has become `sleep`
    assert alive(child)
    parent.send_signal(signal.SIGKILL)
    parent.wait(10)
    deadline = time.monotonic() + 10
    while alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(child)


def test_a_child_whose_parent_is_already_gone_does_not_start() -> None:
    # PID 1 is never this test's pid: the command sees a parent that is not the one named.
    done = subprocess.run(
        [sys.executable, "-m", "ui.cli.tied", "1", "sh", "-c", "echo started"],
        capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert done.returncode == 0
    assert "started" not in done.stdout

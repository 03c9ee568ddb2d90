"""`invoicesim demo` stopped and started as a service manager, a container or an impatient
presenter does it, on its own embedded PostgreSQL (a temporary data folder).

SIGTERM to the demo's whole process group (Ray's processes included) stops it as cleanly as
Ctrl-C: exit status 0, its last window recorded, nothing in the terminal but the banner and
the stop lines. A second demo started on the same ports the moment the first one lets them
go comes up although a browser's connections are still in TIME_WAIT; while it runs, a third
is refused with the process to stop. After the two stops no PostgreSQL of the folder runs.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psutil
import pytest

from tests.api.ports import free_port
from ui.cli.ports import check_free

ROOT = Path(__file__).resolve().parents[2]
CLI = str(Path(sys.executable).parent / "invoicesim")
BANNER_S = 120.0
STOP_S = 90.0

pytestmark = pytest.mark.slow


@dataclass
class Demo:
    process: subprocess.Popen[str]
    output: list[str] = field(default_factory=list)

    def text(self) -> str:
        return "".join(self.output)

    def wait_banner(self) -> str:
        deadline = time.monotonic() + BANNER_S
        while (found := re.search(r"Admin token\s+(\S+)", self.text())) is None:
            assert self.process.poll() is None, self.text()
            assert time.monotonic() < deadline, "no banner:\n" + self.text()
            time.sleep(0.2)
        return found.group(1)

    def stop_group(self) -> None:
        """SIGTERM to its process group, as `systemctl stop` or `docker stop` of a shell does."""
        os.killpg(self.process.pid, signal.SIGTERM)


@pytest.fixture
def data_dir() -> Iterator[Path]:
    # Not under pytest's tmp_path: its root folder is private to root, and another pytest
    # session resets it so while the embedded server runs as its own user.
    folder = Path(tempfile.mkdtemp(prefix="isim-demo-"))
    yield folder / "data"
    for process in postgres_of(folder / "data"):  # a failed test leaves none behind
        process.kill()
    shutil.rmtree(folder, ignore_errors=True)


def start_demo(data_dir: Path, api_port: int, ui_port: int, *, runtime: str) -> Demo:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env |= {"INVOICESIM_DATA_DIR": str(data_dir), "COLUMNS": "200"}
    command = [CLI, "demo", "--runtime", runtime, "--api-port", str(api_port)]
    command += ["--ui-port", str(ui_port)]
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, as a service manager starts it
    )
    demo = Demo(process)
    stderr = process.stderr
    assert stderr is not None
    threading.Thread(target=lambda: demo.output.extend(stderr), daemon=True).start()
    return demo


def postgres_of(data_dir: Path) -> list[psutil.Process]:
    found = []
    for process in psutil.process_iter(["name", "cmdline"]):
        cmdline = process.info["cmdline"] or []
        if process.info["name"] == "postgres" and str(data_dir / "pg") in " ".join(cmdline):
            found.append(process)
    return found


def wait_until_bindable(host: str, ports: tuple[int, ...], timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            for port in ports:
                check_free(host, port, "--api-port")
            return
        except Exception:
            assert time.monotonic() < deadline, f"ports {ports} still held"
            time.sleep(0.1)


def test_sigterm_to_the_group_stops_the_demo_and_a_second_one_comes_up_at_once(
    data_dir: Path,
) -> None:
    api_port, ui_port = free_port(), free_port()
    first = start_demo(data_dir, api_port, ui_port, runtime="ray")
    first.wait_banner()
    # A browser's connections, open when the demo stops: the servers close them, and
    # the ports are left with connections in TIME_WAIT.
    browser = httpx.Client(timeout=10)
    assert browser.get(f"http://127.0.0.1:{ui_port}/_stcore/health").status_code == 200
    assert browser.get(f"http://127.0.0.1:{api_port}/healthz").status_code == 200

    first.stop_group()
    wait_until_bindable("127.0.0.1", (api_port, ui_port), STOP_S)
    second = start_demo(data_dir, api_port, ui_port, runtime="local")  # while the first stops
    assert first.process.wait(STOP_S) == 0, first.text()
    browser.close()
    second.wait_banner()

    third = subprocess.run(
        [CLI, "demo", "--api-port", str(api_port), "--ui-port", str(free_port())],
        capture_output=True, text=True, timeout=60, env=dict(os.environ, COLUMNS="200"),
    )  # fmt: skip
    assert third.returncode == 2
    assert f"another invoicesim demo (process {second.process.pid}) is listening" in third.stderr
    assert f"`kill {second.process.pid}`" in third.stderr

    second.stop_group()
    assert second.process.wait(STOP_S) == 0, second.text()
    time.sleep(0.5)  # the stdout readers catch up

    for demo in (first, second):
        lines = [line.strip() for line in demo.text().splitlines() if line.strip()]
        said = [line for line in lines if line[0] not in "╭│╰"]  # the banner's box aside
        assert len(said) == 2 and said[1] == "demo stopped", demo.text()
        assert re.fullmatch(r"stopped run \w+; its last window is recorded", said[0]), said
    assert postgres_of(data_dir) == []

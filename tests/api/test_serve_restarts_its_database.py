"""`invoicesim serve` on its embedded PostgreSQL (a temporary data folder) brings the server
back when its postmaster is killed: every try logged, the API answering from the database
again, and the rows written before and after the restart both there; stopped, it leaves no
PostgreSQL of its folder running."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest

from tests.api.ports import free_port

CLI = str(Path(sys.executable).parent / "invoicesim")
SCENARIO = """
name: serve-keeps-its-database
seed: 5
duration_s: 3600
load:
  - {start_s: 0, duration_s: 3600, shape: constant, rate_per_s: 5}
"""


def eventually(check: Callable[[], Any], timeout_s: float, what: str) -> Any:
    deadline = time.monotonic() + timeout_s
    while not (found := check()):
        assert time.monotonic() < deadline, what
        time.sleep(0.2)
    return found


def answers(url: str, headers: dict[str, str] | None = None) -> int:
    try:
        return httpx.get(url, headers=headers, timeout=5).status_code
    except httpx.HTTPError:
        return 0


@pytest.fixture
def data_dir() -> Iterator[Path]:
    # Not under pytest's tmp_path: its root folder is private to root, and another pytest
    # session resets it so while the embedded server runs as its own user.
    folder = Path(tempfile.mkdtemp(prefix="isim-keeper-"))
    yield folder / "data"
    shutil.rmtree(folder, ignore_errors=True)


def test_a_killed_embedded_server_comes_back_under_serve_and_nothing_is_lost(
    tmp_path: Path, data_dir: Path
) -> None:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["INVOICESIM_DATA_DIR"] = str(data_dir)
    made = subprocess.run(
        [CLI, "token", "create", "--role", "admin", "--name", "keeper test"],
        env=env, check=True, capture_output=True, text=True,
    )  # fmt: skip
    admin = {"Authorization": f"Bearer {made.stdout.strip().splitlines()[-1].split()[-1]}"}
    scenario = tmp_path / "busy.yaml"
    scenario.write_text(SCENARIO)
    port, pgdata = free_port(), data_dir / "pg"
    api = f"http://127.0.0.1:{port}/api/v1"
    with (tmp_path / "serve.log").open("w") as log:
        serve = subprocess.Popen(
            [CLI, "serve", "--scenario", str(scenario), "--runtime", "local", "--port", str(port)],
            env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        eventually(lambda: answers(f"{api}/providers/health") == 200, 60, "serve never answered")
        before = httpx.post(f"{api}/invoices", json={"amount_minor": 700}, headers=admin).json()

        postmaster = int((pgdata / "postmaster.pid").read_text().split()[0])
        os.kill(postmaster, signal.SIGKILL)
        eventually(lambda: not psutil.pid_exists(postmaster), 10, "the postmaster outlived SIGKILL")

        eventually(lambda: answers(f"{api}/invoices", admin) == 200, 60, "never came back")
        restarted = int((pgdata / "postmaster.pid").read_text().split()[0])
        assert restarted != postmaster
        after = httpx.post(f"{api}/invoices", json={"amount_minor": 900}, headers=admin)
        assert after.status_code == 201, after.text
        for invoice in (before["invoice_id"], after.json()["invoice_id"]):
            found = httpx.get(f"{api}/invoices/{invoice}", headers=admin, timeout=10)
            assert found.status_code == 200, found.text
        health = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=10).json()
        assert health["status"] == "ok"
    finally:
        serve.send_signal(signal.SIGTERM)
        code = serve.wait(60)
    said = (tmp_path / "serve.log").read_text()
    assert code == 0, said
    assert "has stopped; starting it again (try 1 of 5)" in said
    assert "is running again after" in said
    assert "its last window is recorded" in said
    assert not [p for p in psutil.process_iter(["cmdline"]) if str(pgdata) in " ".join(
        p.info["cmdline"] or [])], "serve left its PostgreSQL running"  # fmt: skip

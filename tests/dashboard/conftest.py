"""A live API for the dashboard tests: the real live engine on a real PostgreSQL, served by
uvicorn on a free port in a background thread, with one token per role.

One API serves the whole package (a session fixture) so the pages are tested
against the same running scenario; the Scenarios tests, which start and stop
scenarios, run last (file order).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import httpx
import pytest
import uvicorn

from simulation.live.service import LiveEngine
from simulation.scenario import load_scenario
from storage.database import Database, scratch_database, upgrade
from storage.schema import ROLES
from storage.tokens import create_token
from ui.api import ApiSettings, create_app

QUIET = """
name: dash-quiet
description: A quiet run for the dashboard tests.
seed: 5
duration_s: 3600
wallet_ttl_s: 600
routing: {health_interval_s: 2}
bulk:
  - {at_s: 1, file: one.csv, provider: tempo}
faults:  # scheduled, so the charts and the failover timeline have one from the file
  - {target: stripe, kind: latency, start_s: 2, duration_s: 20, params: {extra_latency_ms: 5}}
"""
# The scenario's own bulk job takes id 0, so jobs uploaded through the API start at 1:
# the engine numbers jobs from 0 but GET /invoices/bulk/{job} accepts ids from 1 only.
ONE_ROW = "invoice_id,payer,merchant,amount,currency,method,due_date\nS-1,sam,acme,1.00,USD,card,\n"
SPEED = 5.0
T = TypeVar("T")


@dataclass(frozen=True)
class LiveApi:
    url: str
    tokens: dict[str, str]  # by role
    engine: LiveEngine
    run_id: str

    def get(self, path: str, role: str = "admin") -> object:
        headers = {"Authorization": f"Bearer {self.tokens[role]}"}
        response = httpx.get(f"{self.url}/api/v1{path}", headers=headers, timeout=10)
        response.raise_for_status()
        return response.json()


def eventually(probe: Callable[[], T | None], timeout_s: float = 15.0) -> T:
    """Poll until ``probe`` returns something true (the engine is paced: rows land later)."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("the condition did not come true in time")
        time.sleep(0.1)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def live_api(
    database_server: Database, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveApi]:
    scenarios = tmp_path_factory.mktemp("scenarios")
    (scenarios / "one.csv").write_text(ONE_ROW)
    (scenarios / "dash-quiet.yaml").write_text(QUIET)
    (scenarios / "dash-other.yaml").write_text(QUIET.replace("dash-quiet", "dash-other"))
    with scratch_database(database_server, "invoicesim_dash") as db:
        upgrade(db)
        engine = LiveEngine(db, shards=2, speed=SPEED)
        run_id = engine.start(load_scenario(scenarios / "dash-quiet.yaml"))
        settings = ApiSettings(scenarios_dir=Path(scenarios))
        port = _free_port()
        server = uvicorn.Server(
            uvicorn.Config(create_app(settings, db, engine), host="127.0.0.1", port=port,
                           log_level="warning", lifespan="off", access_log=False)
        )  # fmt: skip
        thread = threading.Thread(target=server.run, name="dashboard-test-api", daemon=True)
        thread.start()
        eventually(lambda: server.started, timeout_s=20)
        tokens = {role: create_token(db, role, f"dashboard {role}")[1] for role in ROLES}
        try:
            yield LiveApi(f"http://127.0.0.1:{port}", tokens, engine, run_id)
        finally:
            server.should_exit = True
            thread.join(10)
            engine.close()

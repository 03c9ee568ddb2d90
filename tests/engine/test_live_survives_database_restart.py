"""The live engine and its API while their PostgreSQL is stopped and started again: the API
answers 503 with a clear problem, the engine goes on buffering, and once the server is back
every invoice accepted before and during the outage is recorded exactly once."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

from simulation.commands import ConfigureProvider, CreateInvoice
from simulation.live.service import LiveEngine
from simulation.run_store import RunStore
from simulation.scenario import parse_scenario
from storage.database import (
    Database,
    DatabaseError,
    DatabaseSettings,
    open_database,
    upgrade,
)
from storage.tokens import create_token
from tests.engine.live_helpers import eventually, recorded
from tests.storage.rows import window
from ui.api import ApiSettings, create_app, problems

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
BUSY = """
name: live-db-restart
seed: 11
duration_s: 3600
wallet_ttl_s: 60
routing: {health_interval_s: 2}
load:
  - {start_s: 0, duration_s: 3600, shape: constant, rate_per_s: 5}
"""


class OwnServer:
    """An embedded PostgreSQL of this test's own, which it may stop and start again."""

    def __init__(self, folder: Path) -> None:
        self.settings = DatabaseSettings(database_url=None, data_dir=folder)
        self.first = open_database(self.settings)  # what the engine and the API keep using
        self.current: Database | None = self.first

    def stop(self) -> None:
        assert self.current is not None
        self.current.stop_embedded_server()
        self.current = None

    def start(self) -> Database:
        self.current = open_database(self.settings)
        return self.current


@pytest.fixture
def server() -> Iterator[OwnServer]:
    folder = Path(tempfile.mkdtemp(prefix="isim-restart-"))
    try:
        own = OwnServer(folder)
    except DatabaseError as error:
        shutil.rmtree(folder, ignore_errors=True)
        pytest.fail(f"embedded PostgreSQL did not start: {error}")
    upgrade(own.first)
    yield own
    if own.current is not None:
        own.current.stop_embedded_server()
    shutil.rmtree(folder, ignore_errors=True)


def test_a_live_run_outlives_a_database_restart_and_loses_nothing(server: OwnServer) -> None:
    db = server.first
    admin = {"Authorization": f"Bearer {create_token(db, 'admin', 'restart test')[1]}"}
    engine = LiveEngine(db, shards=2, speed=4.0)
    app = create_app(ApiSettings(scenarios_dir=SCENARIOS), db, engine)
    try:
        run_id = engine.start(parse_scenario(BUSY))
        with TestClient(app, raise_server_exceptions=False) as client:
            before = []
            for amount in (1100, 1200, 1300):
                made = client.post("/api/v1/invoices", json={"amount_minor": amount}, headers=admin)
                assert made.status_code == 201, made.text
                before.append(made.json()["invoice_id"])
            eventually(lambda: len(recorded(db, run_id, before)) == 3)

            server.stop()
            refused = client.get("/api/v1/invoices", headers=admin)
            assert refused.status_code == 503
            assert refused.headers["content-type"] == "application/problem+json"
            assert int(refused.headers["retry-after"]) > 0
            problem = refused.json()
            assert problem["type"] == "urn:invoicesim:problem:database-unavailable"
            assert "is unavailable" in problem["detail"]
            assert "until the database is back" in problem["detail"]
            assert "(embedded PostgreSQL)" in problem["detail"]  # which database
            assert str(server.settings.data_dir) not in refused.text  # never where it lives
            health = client.get("/healthz").json()
            assert health["status"] == "database-unavailable"
            assert health["engine"]["running"]

            # The engine takes commands without its database; their rows wait in memory.
            during = [engine.submit(CreateInvoice(amount_minor=a)).invoice_id for a in (21, 22)]
            with pytest.raises(DatabaseError, match="unavailable"):
                engine.submit(ConfigureProvider("stripe", priority=9))
            outage_from_s = engine.status().sim_now_s
            eventually(lambda: engine.status().sim_now_s > outage_from_s + 12)  # ~3 s of wall
            during.append(engine.submit(CreateInvoice(amount_minor=23)).invoice_id)
            assert engine.status().running and engine.status().error is None

            server.start()
            eventually(lambda: len(recorded(db, run_id, during)) == 3, timeout_s=30)
            assert client.get("/healthz").json()["status"] == "ok"
            made = client.post("/api/v1/invoices", json={"amount_minor": 3100}, headers=admin)
            assert made.status_code == 201, made.text
            after = [made.json()["invoice_id"]]
        assert engine.stop() == run_id
        report = engine.last_report
    finally:
        engine.close()

    everything = before + during + after
    assert recorded(db, run_id, everything) == dict.fromkeys(everything, 1)
    with db.engine.connect() as connection:
        status = connection.execute(
            text("SELECT status FROM runs WHERE run_id = :run"), {"run": run_id}
        ).scalar_one()
        invoices = connection.execute(
            text("SELECT count(*) FROM invoices WHERE run_id = :run"), {"run": run_id}
        ).scalar_one()
    assert status == "stopped"
    assert report is not None and invoices == report["invoices"]["created"]  # none lost


def test_a_live_run_whose_database_stays_away_stops_at_its_buffer_limit_naming_it() -> None:
    nowhere = "postgresql+psycopg://isim:s3cret@/isim?host=/nonexistent-isim-socket"
    db = Database(create_engine(nowhere, poolclass=NullPool), "PostgreSQL at /nonexistent")
    store = RunStore(db, "run-away", False, batch_rows=10, flush_every_s=0.0, max_buffered_rows=100)
    try:
        with pytest.raises(DatabaseError) as caught:
            for n in range(100):
                store.add(window(2, base=2 * n))  # 10 rows a window; the writer never succeeds
    finally:
        store.abort()  # the run's end cannot be recorded either: logged, not raised
    message = str(caught.value)
    assert message.startswith("PostgreSQL at /nonexistent has not accepted rows")
    assert "more than the limit of 100" in message and "s3cret" not in message
    assert n < 20  # it stopped at the limit, not at the end of the loop


def test_a_lost_connection_in_any_route_is_a_503_problem_without_the_url() -> None:
    app = FastAPI()
    problems.install(app)

    @app.get("/boom")
    def boom() -> None:
        reason = "connection to server at 10.0.0.9 failed (postgresql://isim:s3cret@10.0.0.9/x)"
        raise OperationalError("SELECT 1", {}, Exception(reason))

    answer = TestClient(app, raise_server_exceptions=False).get("/boom")
    assert answer.status_code == 503
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.headers["retry-after"] == str(problems.DATABASE_RETRY_AFTER_S)
    detail = answer.json()["detail"]
    assert detail.startswith("the database is unavailable")
    assert "s3cret" not in detail and "10.0.0.9" not in detail

"""Operators keep their view of the providers while the live engine's PostgreSQL is stopped:
the three public provider routes answer 200 from the engine's memory, saying
`"database": "unavailable"`, while a route with a token answers 503 (tokens are checked in
the database); and no answer names a folder of the server, outage or not."""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from simulation.live.service import LiveEngine
from simulation.scenario import parse_scenario
from storage.database import Database, DatabaseError, DatabaseSettings, open_database, upgrade
from storage.tokens import create_token
from ui.api import ApiSettings, create_app

ROOT = Path(__file__).resolve().parents[2]
OUTAGE = """
name: outage-view
seed: 3
duration_s: 3600
routing: {health_interval_s: 2}
load:
  - {start_s: 0, duration_s: 3600, shape: constant, rate_per_s: 20}
faults:
  - {target: tempo, kind: outage, start_s: 10, duration_s: 3000}
"""
HEALTH, TIMELINE, TRAFFIC = (
    "/api/v1/providers/health",
    "/api/v1/providers/health/timeline",
    "/api/v1/providers/traffic?bucket_s=5",
)


@pytest.fixture
def folder() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="isim-outage-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


def eventually(check: Callable[[], Any], timeout_s: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout_s
    while not (found := check()):
        assert time.monotonic() < deadline, "never happened"
        time.sleep(0.1)
    return found


def no_folder_in(answer: Any, folder: Path) -> None:
    for where in (str(folder), folder.name, str(ROOT)):
        assert where not in answer.text, (answer.request.url, answer.text[:300])


def test_public_provider_routes_answer_from_memory_while_the_database_is_stopped(
    folder: Path,
) -> None:
    settings = DatabaseSettings(database_url=None, data_dir=folder)
    try:
        db: Database = open_database(settings)
    except DatabaseError as error:
        pytest.fail(f"embedded PostgreSQL did not start: {error}")
    upgrade(db)
    admin = {"Authorization": f"Bearer {create_token(db, 'admin', 'outage test')[1]}"}
    engine = LiveEngine(db, shards=2, speed=10.0)
    app = create_app(ApiSettings(read_cache_ttl_s=0, read_max_stale_s=0), db, engine)
    restarted: Database | None = None
    try:
        engine.start(parse_scenario(OUTAGE))
        with TestClient(app, raise_server_exceptions=False) as client:

            def tempo_down() -> bool:
                found = client.get(HEALTH).json()
                return any(
                    p["provider"] == "tempo" and p["status"] == "down" for p in found["providers"]
                )

            eventually(tempo_down)
            stored = client.get(HEALTH).json()
            assert stored["database"] == "available"

            db.stop_embedded_server()
            health = client.get(HEALTH)
            assert health.status_code == 200, health.text
            assert health.json()["database"] == "unavailable"
            providers = {p["provider"]: p for p in health.json()["providers"]}
            assert set(providers) == {p["provider"] for p in stored["providers"]}
            assert providers["tempo"]["status"] == "down"
            assert sum(p["attempts_last_minute"] for p in providers.values()) > 0
            timeline = client.get(TIMELINE)
            assert timeline.status_code == 200 and timeline.json()["database"] == "unavailable"
            changes = timeline.json()["changes"]
            assert any(c["provider"] == "tempo" and c["state"] == "down" for c in changes)
            traffic = client.get(TRAFFIC)
            assert traffic.status_code == 200 and traffic.json()["database"] == "unavailable"
            assert {b["provider"] for b in traffic.json()["buckets"]} >= {"circle"}

            refused = client.get("/api/v1/invoices", headers=admin)
            assert refused.status_code == 503
            assert refused.json()["type"] == "urn:invoicesim:problem:database-unavailable"
            assert "(embedded PostgreSQL)" in refused.json()["detail"]
            healthz = client.get("/healthz")
            assert healthz.json()["status"] == "database-unavailable"
            assert healthz.json()["database"] == "embedded PostgreSQL"
            unknown = client.get("/api/v1/no-such-route")
            assert unknown.status_code == 404
            for answer in (health, timeline, traffic, refused, healthz, unknown,
                           client.get("/metrics")):  # fmt: skip
                no_folder_in(answer, folder)

            restarted = open_database(settings)
            eventually(lambda: client.get(HEALTH).json()["database"] == "available")
            assert client.get("/api/v1/invoices", headers=admin).status_code == 200
    finally:
        engine.close()
        for handle in (restarted, db):
            if handle is not None:
                handle.stop_embedded_server()

"""API fixtures: the app on a real PostgreSQL (tests/conftest.py), with a fake engine."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from storage.database import Database
from storage.schema import ROLES
from storage.tokens import create_token
from tests.api.fake_engine import FakeEngine
from tests.storage.rows import new_run
from ui.api import ApiSettings, create_app

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="module")
def tokens(migrated_database: Database) -> dict[str, str]:
    """One token per role, by role."""
    return {role: create_token(migrated_database, role, f"test {role}")[1] for role in ROLES}


@pytest.fixture
def live_run(migrated_database: Database) -> str:
    with migrated_database.engine.begin() as connection:
        return new_run(connection)


@pytest.fixture
def engine(live_run: str) -> FakeEngine:
    return FakeEngine(run_id=live_run)


@pytest.fixture
def settings() -> ApiSettings:
    return ApiSettings(scenarios_dir=SCENARIOS)


@pytest.fixture
def client(
    settings: ApiSettings, migrated_database: Database, engine: FakeEngine
) -> Iterator[TestClient]:
    app = create_app(settings, migrated_database, engine)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client

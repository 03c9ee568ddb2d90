"""Database fixtures: a real PostgreSQL, never a mock.

``DATABASE_URL`` selects a server (its user needs CREATEDB); otherwise an
embedded server runs in a temporary folder for the session. Every test module
gets its own database on it. If no server can start, database tests skip,
except in CI (``CI=true``) where they fail.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from storage.database import (
    Database,
    DatabaseError,
    DatabaseSettings,
    open_database,
    scratch_database,
    upgrade,
)


@pytest.fixture(scope="session")
def database_server() -> Iterator[Database]:
    """The server of the session, connected to its default database."""
    folder = None if os.environ.get("DATABASE_URL") else Path(tempfile.mkdtemp(prefix="isim-"))
    try:
        if folder is None:
            db = open_database(DatabaseSettings.from_env())
        else:
            db = open_database(DatabaseSettings(database_url=None, data_dir=folder))
    except DatabaseError as exc:
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
        if os.environ.get("CI", "").lower() in ("true", "1", "yes"):
            pytest.fail(f"CI needs PostgreSQL for the storage tests: {exc}")
        pytest.skip(f"no PostgreSQL for the storage tests: {exc}")
    yield db
    db.stop_embedded_server()
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def empty_database(database_server: Database) -> Iterator[Database]:
    """A new database without any table, dropped after the test."""
    with scratch_database(database_server) as db:
        yield db


@pytest.fixture(scope="module")
def migrated_database(database_server: Database) -> Iterator[Database]:
    """A database at the newest migration, shared by one test module (use distinct run ids)."""
    with scratch_database(database_server) as db:
        upgrade(db)
        yield db

"""A persisted run whose PostgreSQL stops mid-run: a clear error, committed rows intact, and
a new run works once the server is back."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from simulation.engine import RunOptions, run_scenario
from simulation.scenario import parse_scenario
from storage.database import DatabaseError, DatabaseSettings, open_database

SCENARIO = """
name: db_loss
seed: 4
duration_s: 30
load:
  - {start_s: 0, duration_s: 30, shape: constant, rate_per_s: 50}
"""


@pytest.fixture
def settings() -> Iterator[DatabaseSettings]:
    folder = Path(tempfile.mkdtemp(prefix="isim-loss-"))
    yield DatabaseSettings(database_url=None, data_dir=folder)
    shutil.rmtree(folder, ignore_errors=True)


def invoices_of(db: Any, run_id: str) -> int:
    with db.engine.connect() as connection:
        sql = text("SELECT count(*) FROM invoices WHERE run_id = :r")
        return int(connection.execute(sql, {"r": run_id}).scalar_one())


def test_a_run_that_loses_its_database_stops_clearly_and_keeps_what_was_committed(
    settings: DatabaseSettings,
) -> None:
    db = open_database(settings)
    scenario = parse_scenario(SCENARIO)

    def stop_the_server_at_10s(sim_s: float, counts: dict[str, int]) -> None:
        if sim_s >= 10.0 and db.server is not None:
            db.stop_embedded_server()

    options = RunOptions(persist=True, database=db, batch_rows=500)
    with pytest.raises(DatabaseError) as caught:
        run_scenario(scenario, options, progress=stop_the_server_at_10s)
    assert "embedded PostgreSQL in" in str(caught.value)
    assert "already written are intact" in str(caught.value)

    again = open_database(settings)  # the server comes back
    with again.engine.connect() as connection:
        run_id, status = connection.execute(text("SELECT run_id, status FROM runs")).one()
    assert status == "running"  # it never learned its verdict: the database was gone
    assert invoices_of(again, run_id) > 0  # the batches written before the loss are there
    report = run_scenario(scenario, RunOptions(persist=True, database=again))
    assert invoices_of(again, report["run_id"]) == report["invoices"]["created"]
    again.stop_embedded_server()

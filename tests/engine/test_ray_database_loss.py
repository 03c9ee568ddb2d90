"""A persisted Ray run whose PostgreSQL stops mid-run, while each host writes its own rows:
the error a host meets reaches the driver, names the database, and what was committed stays."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text

from simulation.engine import RunOptions, run_scenario
from simulation.scenario import parse_scenario
from storage.database import DatabaseError, DatabaseSettings, open_database
from tests.storage.test_run_survives_database_loss import SCENARIO, invoices_of, settings

__all__ = ["settings"]  # the fixture: a data folder of this test's own


def test_a_ray_run_whose_hosts_lose_the_database_stops_clearly(
    ray_session: Any, settings: DatabaseSettings
) -> None:
    db = open_database(settings)

    def stop_the_server_at_10s(sim_s: float, counts: dict[str, int]) -> None:
        if sim_s >= 10.0 and db.server is not None:
            db.stop_embedded_server()

    # A checkpoint every 3 windows (simulated seconds): each writes every row so far, so
    # rows are committed by 10 s however fast the simulation runs.
    options = RunOptions(
        runtime="ray",
        shards=2,
        persist=True,
        database=db,
        batch_rows=500,
        checkpoint_every=3,
        row_writers="hosts",
    )
    with pytest.raises(DatabaseError) as caught:
        run_scenario(parse_scenario(SCENARIO), options, progress=stop_the_server_at_10s)
    message = str(caught.value)
    # A host met it (the driver itself writes a few checkpoint rows here, never a batch).
    assert any("raised in a Ray host" in note for note in caught.value.__notes__)
    assert "embedded PostgreSQL in" in message
    assert "intact" in message
    assert "password" not in message

    again = open_database(settings)
    with again.engine.connect() as connection:
        run_id, status = connection.execute(text("SELECT run_id, status FROM runs")).one()
    assert status == "running"
    assert invoices_of(again, run_id) > 0  # written at the checkpoints before the loss
    again.stop_embedded_server()

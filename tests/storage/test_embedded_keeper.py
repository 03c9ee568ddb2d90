"""The keeper's retry policy on a server that will not start: a bounded number of tries, a
backoff that doubles between them, then it gives up (and says so)."""

from __future__ import annotations

import itertools
import logging
import time

import pytest
from sqlalchemy import create_engine

from storage.database import Database
from storage.embedded_keeper import Keeper, KeeperLimits


def test_a_server_that_will_not_start_is_tried_a_bounded_number_of_times_with_backoff(
    caplog: pytest.LogCaptureFixture,
) -> None:
    db = Database(create_engine("postgresql+psycopg://nobody@nowhere/none"), "PostgreSQL nowhere")
    tries: list[float] = []

    def start() -> None:
        tries.append(time.monotonic())
        raise RuntimeError("pg_ctl: could not start server")

    limits = KeeperLimits(check_every_s=0.01, max_tries=4, first_backoff_s=0.05)
    keeper = Keeper(db, limits, alive=lambda: False, start=start)
    with caplog.at_level(logging.WARNING, "invoicesim.database"), keeper:
        deadline = time.monotonic() + 10
        while not keeper.gave_up and time.monotonic() < deadline:
            time.sleep(0.01)
    assert keeper.gave_up and keeper.restarts == 0
    assert len(tries) == 4
    waits = [b - a for a, b in itertools.pairwise(tries)]
    assert waits[0] >= 0.05 and waits[1] >= 0.1 and waits[2] >= 0.2  # doubling
    said = caplog.text
    assert said.count("has stopped; starting it again") == 4
    assert "try 4 of 4" in said and "did not start in 4 tries" in said


def test_a_server_that_keeps_dying_is_restarted_a_bounded_number_of_times() -> None:
    db = Database(create_engine("postgresql+psycopg://nobody@nowhere/none"), "PostgreSQL nowhere")
    starts: list[float] = []
    limits = KeeperLimits(check_every_s=0.01, max_restarts=3)
    with Keeper(db, limits, alive=lambda: False, start=lambda: starts.append(0.0)) as keeper:
        deadline = time.monotonic() + 10
        while not keeper.gave_up and time.monotonic() < deadline:
            time.sleep(0.01)
    assert keeper.gave_up and keeper.restarts == 3 and len(starts) == 3

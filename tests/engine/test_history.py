"""A scenario's history: days of business before t=0, on the virtual clock, recorded like
the rest of the run; the live part then starts at 0 on its own clock."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from simulation.engine import RunOptions, run_scenario
from simulation.live.service import LiveEngine
from simulation.scenario import parse_scenario
from storage.database import Database
from storage.queries import reserves_daily

SCENARIO = """
name: with-history
seed: 9
duration_s: {duration}
history: {{days: 10, invoices_per_day: 200, batches_per_day: 4, reconcile_every_s: 21600}}
load:
  - {{start_s: 0, duration_s: {duration}, shape: poisson, rate_per_s: 2}}
"""


def test_a_history_runs_before_zero_and_keeps_every_invariant() -> None:
    with_history = run_scenario(parse_scenario(SCENARIO.format(duration=60)), RunOptions())
    assert all(i["held"] for i in with_history["invariants"]), with_history["invariants"]
    assert with_history["invoices"]["created"] > 2_000  # 10 days x 200, and the live part
    assert with_history["reserves"]["reconciliations"] >= 10 * 4 - 1  # every 6 h before 0
    # The live part's series start at 0: the history counts in the totals only.
    assert min(row["t"] for row in with_history["series"]["rows"]) >= 0


def test_the_same_history_gives_the_same_digest_on_one_and_two_shards_each() -> None:
    scenario = parse_scenario(SCENARIO.format(duration=30))
    for shards in (1, 2):
        first = run_scenario(scenario, RunOptions(shards=shards))
        again = run_scenario(scenario, RunOptions(shards=shards))
        assert first["digest"] == again["digest"]


@pytest.fixture
def live(migrated_database: Database) -> Iterator[tuple[LiveEngine, str, float]]:
    engine = LiveEngine(migrated_database, shards=2, speed=5.0)
    started = time.monotonic()
    run_id = engine.start(parse_scenario(SCENARIO.format(duration=3600)))
    yield engine, run_id, time.monotonic() - started
    engine.close()


def test_a_live_run_opens_with_its_history_recorded_and_its_clock_at_zero(
    live: tuple[LiveEngine, str, float], migrated_database: Database
) -> None:
    engine, run_id, start_s = live
    status = engine.status()
    assert 0 <= status.sim_now_s < 30 and status.running
    assert start_s < 20, "the history is quick to run"
    days = reserves_daily(migrated_database, run_id, 30)
    assert [d["day"] for d in days][:10] == list(range(-10, 0))
    assert all(d["reconciliations"] >= 3 for d in days[:10])
    assert days[-1]["minted_minor"] > days[0]["minted_minor"] > 0
    week = reserves_daily(migrated_database, run_id, 7)
    assert len(week) == 7 and week[0]["day"] > days[0]["day"]
    # t=0 is when the paced clock started: the history's days lie before it.
    assert status.started_at is not None
    assert status.started_at > datetime.now(UTC) - timedelta(seconds=60)

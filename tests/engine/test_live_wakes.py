"""A live run carries out a command when it arrives, not when the window under way ends."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from simulation.commands import CreateInvoice, InvoiceCreated
from simulation.live.service import LiveEngine
from simulation.scenario import parse_scenario
from storage.database import Database

# Every provider two simulated seconds away: the lookahead, so a window, is 2 s long.
# At speed 1 a command that waited for the window under way would wait up to 2 s.
SLOW_NETWORK = """
name: live-slow-network
seed: 5
duration_s: 3600
wallet_ttl_s: 600
providers:
  tempo: {network_ms: 2000}
  circle: {network_ms: 2000}
  stripe: {network_ms: 2000}
load:
  - {start_s: 0, duration_s: 3600, shape: constant, rate_per_s: 5}
"""
LOOKAHEAD_S = 2.0


@pytest.fixture(scope="module")
def slow_network(migrated_database: Database) -> Iterator[LiveEngine]:
    engine = LiveEngine(migrated_database, shards=1, speed=1.0)
    engine.start(parse_scenario(SLOW_NETWORK))
    yield engine
    engine.close()


def test_a_command_is_answered_without_waiting_for_the_window_under_way(
    slow_network: LiveEngine,
) -> None:
    waits = []
    for i in range(8):
        time.sleep(0.13 * (i % 3))  # arrive at different points of the 2 s windows
        sent = time.monotonic()
        created = slow_network.submit(CreateInvoice(amount_minor=1_000 + i))
        waits.append(time.monotonic() - sent)
        assert isinstance(created, InvoiceCreated)
    # Waiting for the window under way would average a second; a window's own work
    # at 5 invoices/s is milliseconds.
    assert max(waits) < LOOKAHEAD_S / 4, waits


def test_commands_back_to_back_do_not_run_the_simulation_ahead_of_the_clock(
    slow_network: LiveEngine,
) -> None:
    created = [slow_network.submit(CreateInvoice(amount_minor=2_000 + i)) for i in range(20)]
    now = datetime.now(UTC)
    ahead_s = (slow_network.wall_time(created[-1].created_at_s) - now).total_seconds()
    # Each command window ends at most one lookahead past the wall clock.
    assert ahead_s <= LOOKAHEAD_S, ahead_s
    times = [c.created_at_s for c in created]
    assert times == sorted(times)

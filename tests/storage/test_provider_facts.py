"""What a live run holds of its providers in memory answers the public provider reads as
the database does from the same rows: status, timeline, last-minute traffic and traffic by
bucket (percentiles as PostgreSQL's percentile_cont). A window seen twice (a replay) adds
nothing, and what it holds is bounded."""

from __future__ import annotations

import random
from typing import Any

import pytest

from storage.database import Database
from storage.queries.provider_facts import DatabaseFacts, ProviderMemory, percentile_cont
from tests.storage.recorded import attempt, invoice, record, run_in

PROVIDERS = ("tempo", "circle", "stripe")
SOURCES = ("shard-0", "shard-1")
HEALTH = ("healthy", "degraded", "down")
BREAKER = ("closed", "open", "half_open")


def windows(seed: int, count: int = 30, width_s: float = 10.0) -> list[dict[str, list[Any]]]:
    """Rows as a live run records them, window by window: each replica's breaker changes then
    its health changes (its own sequence), and the attempts of payments that ended."""
    draw = random.Random(seed)
    seqs = dict.fromkeys(SOURCES, 0)
    out = []
    n = 0
    for w in range(count):
        start = w * width_s
        health: list[tuple[Any, ...]] = []
        for source in SOURCES:
            for kind, states in (("breaker", BREAKER), ("health", HEALTH)):
                for _ in range(draw.randint(0, 2)):
                    seqs[source] += 1
                    at_s = start + round(draw.uniform(0, width_s), 3)
                    health.append((source, seqs[source], draw.choice(PROVIDERS), at_s, kind,
                                   draw.choice(states), None, "drawn"))  # fmt: skip
        attempts, invoices = [], []
        for _ in range(draw.randint(0, 12)):
            n += 1
            finished = start - draw.uniform(0, 25)  # an attempt ends before its payment does
            provider, result = draw.choice(PROVIDERS), draw.choice(("succeeded", "error"))
            latency = round(draw.uniform(20, 900), 2)
            invoices.append(invoice(f"i{n}"))
            attempts.append(attempt(f"i{n}#1", f"i{n}", 1, provider, max(0.5, finished),
                                    result, latency))  # fmt: skip
        out.append({"provider_health": health, "payment_attempts": attempts, "invoices": invoices})
    return out


def close(value: Any) -> Any:
    """Floats to 9 places, in any nesting: the two sides interpolate in double precision."""
    if isinstance(value, float):
        return round(value, 9)
    if isinstance(value, dict):
        return {k: close(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [close(v) for v in value]
    return value


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_memory_answers_every_read_as_the_database_does(
    migrated_database: Database, seed: int
) -> None:
    run_id = run_in(migrated_database)
    memory = ProviderMemory(())
    for rows in windows(seed):
        record(migrated_database, run_id, rows)
        memory.observe(rows)
    database, held = DatabaseFacts(migrated_database, run_id), memory.snapshot()

    assert close(held.status()) == close(database.status())
    for since_s in (None, 0.0, 55.5, 120.0, 400.0):
        for limit in (1, 7, 1_000):
            assert held.timeline(since_s, limit) == database.timeline(since_s, limit)
    for since_s in (0.0, 100.0, 250.0, 1_000.0):
        assert close(held.traffic(since_s)) == close(database.traffic(since_s))
    for since_s, until_s, bucket_s in ((0.0, 300.0, 10.0), (50.0, 180.0, 5.0), (0.0, 310.0, 60.0)):
        expected = database.traffic_series(since_s, until_s, bucket_s)
        assert close(held.traffic_series(since_s, until_s, bucket_s)) == close(expected)


def test_a_window_seen_twice_adds_nothing() -> None:
    once, twice = ProviderMemory(()), ProviderMemory(())
    for rows in windows(4, count=10):
        once.observe(rows)
        twice.observe(rows)
        twice.observe(rows)  # a replayed window: the same rows, the same sequence numbers
    assert twice.snapshot() == once.snapshot()


def test_memory_is_bounded_and_keeps_every_replicas_latest_state() -> None:
    memory = ProviderMemory(PROVIDERS, max_changes=5, max_attempts=7)
    everything = windows(5, count=20)
    for rows in everything:
        memory.observe(rows)
    held = memory.snapshot()
    assert len(held.changes) == 5 and len(held.attempts) == 7
    unbounded = ProviderMemory(PROVIDERS)
    for rows in everything:
        unbounded.observe(rows)
    full = unbounded.snapshot()
    assert held.changes == full.changes[-5:]  # the newest, each with the state after it
    assert held.status() == full.status()  # the latest states outlive the changes


def test_percentiles_interpolate_as_postgresql_does() -> None:
    assert percentile_cont([10.0], 0.99) == 10.0
    assert percentile_cont([10.0, 20.0], 0.5) == 15.0
    assert percentile_cont([1.0, 2.0, 3.0, 4.0, 100.0], 0.99) == pytest.approx(96.16)

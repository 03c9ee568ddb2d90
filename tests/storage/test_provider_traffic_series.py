"""Success rate and latency per provider and time bucket, for the charts over the run, and
the whole buckets a time range asks for."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import insert

from storage.database import Database
from storage.queries import provider_traffic_series, traffic_span
from storage.queries.provider_live import MAX_BUCKETS
from storage.schema import PaymentAttempt
from tests.storage.rows import attempt, new_run


def attempts(db: Database, rows: list[dict[str, Any]]) -> str:
    with db.engine.begin() as connection:
        run_id = new_run(connection)
        for n, row in enumerate(rows, start=1):
            key = {"attempt_key": f"a-{n}", "invoice_key": f"i-{n}", "invoice_id": f"i-{n}"}
            connection.execute(insert(PaymentAttempt).values(attempt(run_id, 1, **key, **row)))
    return run_id


def test_attempts_fall_in_buckets_of_finish_time_per_provider(
    migrated_database: Database,
) -> None:
    run_id = attempts(
        migrated_database,
        [
            {"finished_at_s": 1.0, "sent_at_s": 0.5, "latency_ms": 100.0},
            {"finished_at_s": 9.9, "sent_at_s": 9.0, "latency_ms": 300.0},
            {"finished_at_s": 10.0, "sent_at_s": 9.5, "result": "declined", "succeeded": False},
            {"finished_at_s": 12.0, "sent_at_s": 11.0, "provider": "circle", "latency_ms": 50.0},
            {"finished_at_s": 31.0, "sent_at_s": 30.0},  # past until_s
        ],
    )
    series = provider_traffic_series(migrated_database, run_id, 0.0, 30.0, 10.0)
    assert [(b["provider"], b["start_s"], b["attempts"], b["succeeded"]) for b in series] == [
        ("tempo", 0.0, 2, 2),
        ("circle", 10.0, 1, 1),
        ("tempo", 10.0, 1, 0),
    ]
    first = series[0]
    assert first["success_rate"] == 1.0
    assert first["latency_p50_ms"] == pytest.approx(200.0)
    assert first["latency_p99_ms"] == pytest.approx(298.0)
    assert series[2]["success_rate"] == 0.0


def test_another_run_and_attempts_before_since_are_left_out(migrated_database: Database) -> None:
    run_id = attempts(migrated_database, [{"finished_at_s": 5.0}, {"finished_at_s": 25.0}])
    attempts(migrated_database, [{"finished_at_s": 25.0}])
    series = provider_traffic_series(migrated_database, run_id, 20.0, 40.0, 10.0)
    assert [(b["start_s"], b["attempts"]) for b in series] == [(20.0, 1)]


def test_too_many_buckets_or_a_bad_bucket_is_refused(migrated_database: Database) -> None:
    with pytest.raises(ValueError, match="buckets"):
        provider_traffic_series(migrated_database, "any", 0.0, 7_300.0, 10.0)
    with pytest.raises(ValueError, match="bucket_s"):
        provider_traffic_series(migrated_database, "any", 0.0, 10.0, 0.0)


def test_a_range_is_covered_by_whole_buckets_up_to_the_bucket_the_clock_is_in() -> None:
    assert traffic_span(now_s=63.0, bucket_s=5.0, since_s=12.0) == (10.0, 65.0)
    assert traffic_span(now_s=63.0, bucket_s=5.0, since_s=12.0, until_s=31.0) == (10.0, 35.0)
    assert traffic_span(now_s=63.0, bucket_s=5.0) == (0.0, 65.0)  # the whole run


def test_a_range_longer_than_720_buckets_keeps_the_last_720(migrated_database: Database) -> None:
    assert traffic_span(now_s=10_000.0, bucket_s=5.0) == (6_405.0, 10_005.0)
    assert traffic_span(now_s=10_000.0, bucket_s=5.0, since_s=0.0) == (6_405.0, 10_005.0)
    first, until = traffic_span(now_s=9e8, bucket_s=1.7, since_s=3.3, until_s=5e8)
    assert round((until - first) / 1.7) == MAX_BUCKETS
    # far from zero, 720 buckets of an uneven width are still 720 to the query
    assert provider_traffic_series(migrated_database, "any", first, until, 1.7) == []


def test_an_empty_range_has_no_bucket() -> None:
    for since_s, until_s in ((40.0, 40.0), (40.0, 12.0)):
        first, until = traffic_span(now_s=63.0, bucket_s=5.0, since_s=since_s, until_s=until_s)
        assert first == until, (since_s, until_s)

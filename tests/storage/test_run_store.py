"""A run's database side: what it changes in the process while it runs, and restores."""

from __future__ import annotations

import sys

from simulation.run_store import WRITER_SWITCH_INTERVAL_S, RunStore
from storage.database import Database
from tests.storage.rows import new_run


def run_id_in(db: Database) -> str:
    with db.engine.begin() as connection:
        return new_run(connection)


def test_a_batch_run_shortens_the_switch_interval_while_it_writes_and_restores_it(
    migrated_database: Database,
) -> None:
    before = sys.getswitchinterval()
    store = RunStore(migrated_database, run_id_in(migrated_database), False, batch_rows=100)
    try:
        assert sys.getswitchinterval() == WRITER_SWITCH_INTERVAL_S < before
    finally:
        store.abort()
    assert sys.getswitchinterval() == before


def test_overlapping_batch_runs_restore_the_switch_interval_when_the_last_one_ends(
    migrated_database: Database,
) -> None:
    before = sys.getswitchinterval()
    first = RunStore(migrated_database, run_id_in(migrated_database), False, batch_rows=100)
    second = RunStore(migrated_database, run_id_in(migrated_database), False, batch_rows=100)
    try:
        first.abort()  # the first one in ends first: the second still writes
        assert sys.getswitchinterval() == WRITER_SWITCH_INTERVAL_S
    finally:
        second.abort()
    assert sys.getswitchinterval() == before
    first.abort()  # ending a run twice does not restore twice
    assert sys.getswitchinterval() == before


def test_a_live_run_leaves_the_switch_interval_alone(migrated_database: Database) -> None:
    before = sys.getswitchinterval()
    run_id = run_id_in(migrated_database)
    store = RunStore(migrated_database, run_id, False, batch_rows=100, flush_every_s=1.0)
    try:
        assert sys.getswitchinterval() == before
    finally:
        store.abort()

"""The recorder on a real PostgreSQL: batches, idempotent replays, upserts, lost connections."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import text

from storage.database import Database, DatabaseError, DatabaseSettings, open_database, upgrade
from storage.recorder import HOLD_BATCHES, Recorder
from tests.storage.rows import invoice_row, new_run, window


def run_id_in(db: Database) -> str:
    with db.engine.begin() as connection:
        return new_run(connection)


def count(db: Database, table: str, run_id: str) -> int:
    with db.engine.connect() as connection:
        sql = text(f"SELECT count(*) FROM {table} WHERE run_id = :r")  # table names are ours
        return int(connection.execute(sql, {"r": run_id}).scalar_one())


def test_a_window_written_twice_leaves_no_duplicates(migrated_database: Database) -> None:
    db = migrated_database
    run_id = run_id_in(db)
    recorder = Recorder(db, run_id)
    recorder.add(window(100))
    recorder.flush()
    recorder.add(window(100))  # the same window again, e.g. replayed after a crash
    recorder.close()
    for table in ("invoices", "payment_attempts", "ledger_transfers"):
        assert count(db, table, run_id) == 100, table
    assert count(db, "ledger_entries", run_id) == 200


def test_a_recovered_run_replaying_a_window_into_a_new_recorder_adds_nothing_and_ends_entities(
    migrated_database: Database,
) -> None:
    db = migrated_database
    run_id = run_id_in(db)
    first = Recorder(db, run_id)
    first.add(window(100))  # 100 pending invoices, written as new rows
    first.close()
    again = Recorder(db, run_id)  # a recovered run knows nothing of what was written
    again.add(window(100))
    again.add({"invoices": [invoice_row("i7", "paid", 2.5)]})  # one of them ends in the replay
    again.close()
    third = Recorder(db, run_id)  # nor does this one know that i8 is written, pending
    third.add({"invoices": [invoice_row("i8", "paid", 3.0)]})
    third.close()
    for table in ("invoices", "payment_attempts", "ledger_transfers"):
        assert count(db, table, run_id) == 100, table
    assert count(db, "ledger_entries", run_id) == 200
    with db.engine.connect() as connection:
        paid = connection.execute(
            text("SELECT invoice_id FROM invoices WHERE run_id = :r AND status = 'paid'"),
            {"r": run_id},
        )
        assert sorted(paid.scalars()) == ["i7", "i8"]


def test_rows_are_flushed_in_batches_once_the_buffer_is_full(migrated_database: Database) -> None:
    db = migrated_database
    run_id = run_id_in(db)
    recorder = Recorder(db, run_id, batch_rows=250)
    recorder.add(window(50))  # 250 rows: exactly one batch
    assert recorder.flushes == 1
    assert count(db, "invoices", run_id) == 50
    recorder.add(window(10, base=50))
    assert recorder.flushes == 1  # 50 rows wait in the buffer
    recorder.close()
    assert count(db, "invoices", run_id) == 60


def test_an_invoice_written_when_created_and_when_paid_ends_in_its_final_state(
    migrated_database: Database,
) -> None:
    db = migrated_database
    run_id = run_id_in(db)
    recorder = Recorder(db, run_id)
    recorder.add({"invoices": [invoice_row("a"), invoice_row("b")]})
    recorder.flush()
    recorder.add({"invoices": [invoice_row("a", "paid", 2.5)]})
    recorder.flush()
    recorder.add({"invoices": [invoice_row("a", "pending")]})  # a stale replay changes nothing
    recorder.close()
    with db.engine.connect() as connection:
        rows = dict(
            connection.execute(
                text("SELECT invoice_id, status FROM invoices WHERE run_id = :r"), {"r": run_id}
            ).all()
        )
    assert rows == {"a": "paid", "b": "pending"}


def statuses(db: Database, run_id: str) -> dict[str, str]:
    with db.engine.connect() as connection:
        sql = text("SELECT invoice_id, status FROM invoices WHERE run_id = :r")
        return dict(connection.execute(sql, {"r": run_id}).all())


def test_a_batch_run_holds_an_open_invoice_back_until_it_ends_or_for_a_few_batches(
    migrated_database: Database,
) -> None:
    db = migrated_database
    run_id = run_id_in(db)
    recorder = Recorder(db, run_id, hold_new_open=True)
    recorder.add({"invoices": [invoice_row("open"), invoice_row("done", "paid", 1.0),
                               invoice_row("slow")]})  # fmt: skip
    recorder.write_once(recorder.take())
    assert statuses(db, run_id) == {"done": "paid"}
    assert recorder.buffered == 2  # held back, not dropped
    recorder.add({"invoices": [invoice_row("open", "paid", 2.0)]})
    recorder.write_once(recorder.take())
    assert statuses(db, run_id) == {"done": "paid", "open": "paid"}  # one row, at its end
    for _ in range(HOLD_BATCHES - 2):  # "slow" was held by both takes above
        recorder.write_once(recorder.take())
        assert "slow" not in statuses(db, run_id)
    recorder.write_once(recorder.take())
    assert statuses(db, run_id)["slow"] == "pending"  # open too long: written as it is
    assert recorder.buffered == 0
    recorder.add({"invoices": [invoice_row("slow", "paid", 30.0), invoice_row("last")]})
    recorder.close()  # the end of a run writes everything, open or not
    assert statuses(db, run_id) == {"done": "paid", "open": "paid", "slow": "paid",
                                    "last": "pending"}  # fmt: skip


def test_without_holding_an_open_invoice_is_written_in_the_first_batch(
    migrated_database: Database,
) -> None:
    db = migrated_database
    run_id = run_id_in(db)
    recorder = Recorder(db, run_id)  # as a live run's: its dashboards show open invoices
    recorder.add({"invoices": [invoice_row("open")]})
    recorder.write_once(recorder.take())
    assert statuses(db, run_id) == {"open": "pending"}
    recorder.close()


def test_a_second_successful_payment_for_one_invoice_fails_loudly(
    migrated_database: Database,
) -> None:
    db = migrated_database
    run_id = run_id_in(db)
    recorder = Recorder(db, run_id)
    recorder.add({"invoices": [invoice_row("x")]})
    recorder.add({"payment_attempts": [("x#1", "inv:x", "x", 1, "tempo", 0.1, 0.3, "succeeded",
                                        200.0, True)]})  # fmt: skip
    recorder.flush()
    recorder.add({"payment_attempts": [("x#2", "inv:x", "x", 2, "circle", 0.4, 0.7, "succeeded",
                                        300.0, True)]})  # fmt: skip
    with pytest.raises(psycopg.errors.UniqueViolation):
        recorder.flush()
    recorder._drop_connection()
    assert count(db, "payment_attempts", run_id) == 1


@pytest.fixture
def own_server() -> Any:
    """A server of this test's own, so it can be stopped without harming the others."""
    folder = Path(tempfile.mkdtemp(prefix="isim-stop-"))
    settings = DatabaseSettings(database_url=None, data_dir=folder)
    try:
        db = open_database(settings)
    except DatabaseError as error:
        shutil.rmtree(folder, ignore_errors=True)
        pytest.fail(f"embedded PostgreSQL did not start: {error}")
    upgrade(db)
    yield settings, db
    db.stop_embedded_server()
    shutil.rmtree(folder, ignore_errors=True)


def test_a_stopped_server_gives_a_clear_error_and_leaves_committed_rows_intact(
    own_server: Any,
) -> None:
    settings, db = own_server
    run_id = run_id_in(db)
    waits: list[float] = []
    recorder = Recorder(db, run_id, max_retries=3, backoff_s=0.01, sleep=waits.append)
    recorder.add(window(20))
    recorder.flush()
    db.stop_embedded_server()
    recorder.add(window(20, base=20))
    with pytest.raises(DatabaseError) as caught:
        recorder.flush()
    message = str(caught.value)
    assert "embedded PostgreSQL in" in message and "after 3 tries" in message
    assert "1 batches already written are intact" in message
    assert waits == [0.01, 0.02, 0.04]  # bounded, exponential backoff
    # The server comes back: the committed batch is there, and a new run works.
    again = open_database(settings)
    assert count(again, "invoices", run_id) == 20
    new_run_id = run_id_in(again)
    fresh = Recorder(again, new_run_id)
    fresh.add(window(5))
    fresh.close()
    assert count(again, "invoices", new_run_id) == 5
    again.dispose()

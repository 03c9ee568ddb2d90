"""Balanced transfers are enforced by the database, one check per statement."""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy import func, insert, select, text
from sqlalchemy.exc import IntegrityError

from storage.database import Database
from storage.schema import COPY_COLUMNS, LedgerEntry, LedgerTransfer
from tests.storage.rows import entry, new_run, transfer


@pytest.fixture
def run_id(migrated_database: Database) -> str:
    with migrated_database.engine.begin() as connection:
        return new_run(connection)


def post(db: Database, run_id: str, amount_minor: int, *entries: tuple[str, int]) -> None:
    """One transfer and the given (side, amount) entries, the entries in one INSERT."""
    rows = [entry(run_id, 1, side, amount) for side, amount in entries]
    with db.engine.begin() as connection:
        connection.execute(insert(LedgerTransfer).values([transfer(run_id, 1, amount_minor)]))
        if rows:
            connection.execute(insert(LedgerEntry).values(rows))


def test_the_database_rejects_a_transfer_with_one_entry_only(
    migrated_database: Database, run_id: str
) -> None:
    with pytest.raises(IntegrityError, match="unbalanced: amount 100, debit 100, credit 0"):
        post(migrated_database, run_id, 100, ("debit", 100))


def test_the_database_rejects_a_debit_of_100_against_a_credit_of_90(
    migrated_database: Database, run_id: str
) -> None:
    with pytest.raises(IntegrityError, match="unbalanced: amount 100, debit 100, credit 90"):
        post(migrated_database, run_id, 100, ("debit", 100), ("credit", 90))


def test_the_database_rejects_entries_that_match_each_other_but_not_the_transfer(
    migrated_database: Database, run_id: str
) -> None:
    with pytest.raises(IntegrityError, match="unbalanced"):
        post(migrated_database, run_id, 100, ("debit", 90), ("credit", 90))


def test_the_two_entries_of_a_transfer_must_come_in_one_statement(
    migrated_database: Database, run_id: str
) -> None:
    with (
        pytest.raises(IntegrityError, match="unbalanced"),
        migrated_database.engine.begin() as connection,
    ):
        connection.execute(insert(LedgerTransfer).values([transfer(run_id, 1)]))
        connection.execute(insert(LedgerEntry).values([entry(run_id, 1, "debit")]))
        connection.execute(insert(LedgerEntry).values([entry(run_id, 1, "credit")]))


def test_a_transfer_without_entries_cannot_be_committed(
    migrated_database: Database, run_id: str
) -> None:
    with pytest.raises(IntegrityError, match="has no entries at commit"):
        post(migrated_database, run_id, 100)


def test_a_balanced_batch_of_1000_transfers_copied_in_one_statement_is_accepted(
    migrated_database: Database, run_id: str
) -> None:
    ids = range(1, 1_001)
    transfers = [tuple(transfer(run_id, i, 100 + i).values()) for i in ids]
    entries = [
        tuple(entry(run_id, i, side, 100 + i).values()) for i in ids for side in ("debit", "credit")
    ]
    with migrated_database.raw_connect() as connection:
        for table, rows in (("ledger_transfers", transfers), ("ledger_entries", entries)):
            columns = ", ".join(COPY_COLUMNS[table])
            with connection.cursor().copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        connection.commit()
    with migrated_database.engine.connect() as connection:
        query = select(func.count(), func.sum(LedgerEntry.amount_minor)).where(
            LedgerEntry.run_id == run_id
        )
        assert tuple(connection.execute(query).one()) == (2_000, 2 * sum(100 + i for i in ids))


def test_one_transfer_without_entries_among_1000_copied_cannot_be_committed(
    migrated_database: Database, run_id: str
) -> None:
    ids = range(1, 1_001)
    transfers = [tuple(transfer(run_id, i).values()) for i in ids]
    entries = [tuple(entry(run_id, i, side).values()) for i in ids if i != 500
               for side in ("debit", "credit")]  # fmt: skip
    with migrated_database.raw_connect() as connection:
        for table, rows in (("ledger_transfers", transfers), ("ledger_entries", entries)):
            columns = ", ".join(COPY_COLUMNS[table])
            with connection.cursor().copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        with pytest.raises(psycopg.errors.CheckViolation, match=r"transfer 500 .* no entries"):
            connection.commit()


def test_the_pending_checks_are_gone_once_a_transaction_commits(
    migrated_database: Database, run_id: str
) -> None:
    post(migrated_database, run_id, 100, ("debit", 100), ("credit", 100))
    with migrated_database.engine.connect() as connection:
        pending = connection.execute(text("SELECT count(*) FROM ledger_transfer_checks"))
        assert pending.scalar_one() == 0

"""Migrations on a real PostgreSQL: up, down, up again, and agreement with the models."""

from __future__ import annotations

import pytest
from sqlalchemy import insert, text
from sqlalchemy.exc import IntegrityError

from storage.database import Database, DatabaseError, downgrade, scratch_database, status, upgrade
from storage.schema import COPY_COLUMNS, Base, Invoice, LedgerTransfer
from tests.storage.rows import invoice, new_run, transfer

TABLES = {
    "runs",
    "api_tokens",
    "provider_config",
    "provider_health",
    "ephemeral_wallets",
    "reserve_reconciliation",
    "wallet_destruction_logs",
    "invoices",
    "payment_attempts",
    "routing_decisions",
    "ledger_transfers",
    "ledger_entries",
    "alerts",
    "bulk_jobs",
    "bulk_job_rows",
    "checkpoints",
    "idempotency_keys",
    "ledger_transfer_checks",
    "emulator_requests",
    "emulator_charges",
}
HEAD = "0008"


def tables(db: Database) -> set[str]:
    with db.engine.connect() as connection:
        names = connection.scalars(
            text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        )
        return set(names) - {"alembic_version"}


def functions(db: Database) -> set[str]:
    query = "SELECT proname FROM pg_proc WHERE pronamespace = 'public'::regnamespace"
    with db.engine.connect() as connection:
        return set(connection.scalars(text(query)))


def test_migrations_up_then_down_then_up_leave_all_tables_then_none_then_all(
    empty_database: Database,
) -> None:
    assert upgrade(empty_database) == HEAD
    assert tables(empty_database) == TABLES
    assert functions(empty_database)

    assert downgrade(empty_database, "base") is None
    assert tables(empty_database) == set()
    assert functions(empty_database) == set()

    assert upgrade(empty_database) == HEAD
    assert tables(empty_database) == TABLES


def test_status_lists_the_pending_migration_until_upgrade_applies_it(
    empty_database: Database,
) -> None:
    before = status(empty_database)
    expected = (None, HEAD, ["0001", "0002", "0003", "0004", "0005", "0006", "0007", HEAD])
    assert (before["current"], before["head"], before["pending"]) == expected
    upgrade(empty_database)
    after = status(empty_database)
    assert (after["current"], after["head"], after["pending"]) == (HEAD, HEAD, [])
    assert upgrade(empty_database) == HEAD  # a second upgrade changes nothing


def test_a_database_at_a_revision_this_code_does_not_know_is_reported_not_guessed(
    empty_database: Database,
) -> None:
    upgrade(empty_database)
    with empty_database.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    with pytest.raises(DatabaseError, match="is at revision 9999, which this version"):
        status(empty_database)
    with pytest.raises(DatabaseError, match="9999"):
        upgrade(empty_database)


SHAPE = {
    "columns": """
        SELECT table_name, ordinal_position, column_name, data_type, is_nullable,
               column_default, character_maximum_length
          FROM information_schema.columns
         WHERE table_schema = 'public' AND table_name <> 'alembic_version'""",
    "constraints": """
        SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid)
          FROM pg_constraint
         WHERE connamespace = 'public'::regnamespace AND contype <> 't'  -- not triggers
           AND conrelid::regclass::text <> 'alembic_version'""",
    "indexes": """
        SELECT tablename, indexname, indexdef FROM pg_indexes
         WHERE schemaname = 'public' AND tablename <> 'alembic_version'""",
}


def shape(db: Database) -> dict[str, set[tuple[object, ...]]]:
    with db.engine.connect() as connection:
        return {
            part: {tuple(row) for row in connection.execute(text(query))}
            for part, query in SHAPE.items()
        }


def test_the_migration_builds_exactly_the_columns_constraints_and_indexes_of_the_models(
    database_server: Database, migrated_database: Database
) -> None:
    with scratch_database(database_server) as from_models:
        Base.metadata.create_all(from_models.engine)
        expected = shape(from_models)
    actual = shape(migrated_database)
    for part in SHAPE:
        assert actual[part] - expected[part] == set(), f"{part} only in the migration"
        assert expected[part] - actual[part] == set(), f"{part} only in the models"


def test_copy_columns_name_every_column_of_every_simulation_table_in_table_order(
    migrated_database: Database,
) -> None:
    # api_tokens and idempotency_keys belong to the API, not to a run: never bulk-copied;
    # ledger_transfer_checks is the ledger triggers' scratch table
    not_copied = {"runs", "api_tokens", "idempotency_keys", "ledger_transfer_checks"}
    assert set(COPY_COLUMNS) == TABLES - not_copied
    query = """
        SELECT column_name FROM information_schema.columns
         WHERE table_schema = 'public' AND table_name = :table ORDER BY ordinal_position"""
    with migrated_database.engine.connect() as connection:
        for table, columns in COPY_COLUMNS.items():
            assert tuple(connection.scalars(text(query), {"table": table})) == columns


def test_downgrading_0003_keeps_a_transfer_without_entries_from_being_committed(
    empty_database: Database,
) -> None:
    def post_a_transfer_alone() -> None:
        with empty_database.engine.begin() as connection:
            connection.execute(insert(LedgerTransfer).values([transfer(new_run(connection), 1)]))

    upgrade(empty_database)
    with pytest.raises(IntegrityError, match="has no entries at commit"):
        post_a_transfer_alone()
    assert downgrade(empty_database, "0002") == "0002"
    assert "ledger_transfer_checks" not in tables(empty_database)
    with pytest.raises(IntegrityError, match="has no entries at commit"):
        post_a_transfer_alone()
    assert upgrade(empty_database) == HEAD
    with pytest.raises(IntegrityError, match="has no entries at commit"):
        post_a_transfer_alone()


def test_0007_stores_invoices_held_for_review_and_a_downgrade_keeps_them_from_being_lost(
    empty_database: Database,
) -> None:
    upgrade(empty_database)
    with empty_database.engine.begin() as connection:
        run_id = new_run(connection)
        connection.execute(
            insert(Invoice).values(
                [invoice(run_id, invoice_id=f"i-{s}", status=s) for s in ("underpaid", "overpaid")]
            )
        )
    with pytest.raises(DatabaseError, match="2 invoices rows are underpaid or overpaid"):
        downgrade(empty_database, "0006")
    assert status(empty_database)["current"] == HEAD  # nothing was undone
    with empty_database.engine.begin() as connection:
        connection.execute(text("DELETE FROM runs"))
    assert downgrade(empty_database, "0006") == "0006"
    with (
        pytest.raises(IntegrityError, match="ck_invoices_status"),
        empty_database.engine.begin() as connection,
    ):
        run_id = new_run(connection)
        connection.execute(insert(Invoice).values([invoice(run_id, status="underpaid")]))

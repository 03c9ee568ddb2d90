"""Migration 0002 adds the idempotency_keys table on top of 0001 and takes it away again."""

from __future__ import annotations

from sqlalchemy import text

from storage.database import Database, downgrade, upgrade


def has_table(db: Database) -> bool:
    query = "SELECT count(*) FROM pg_tables WHERE tablename = 'idempotency_keys'"
    with db.engine.connect() as connection:
        return bool(connection.execute(text(query)).scalar_one())


def test_migration_0002_adds_idempotency_keys_and_its_downgrade_removes_only_that(
    empty_database: Database,
) -> None:
    assert upgrade(empty_database, "0002") == "0002"
    assert has_table(empty_database)
    assert downgrade(empty_database, "0001") == "0001"
    assert not has_table(empty_database)
    assert upgrade(empty_database, "0002") == "0002"

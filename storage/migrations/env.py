"""Alembic environment: migrate the connection ``storage.database`` hands over.

``storage.database.upgrade`` passes its connection in ``config.attributes``.
Run by the ``alembic`` command (``alembic -c storage/alembic.ini ...``) it opens
the database the environment names (``DATABASE_URL`` or the embedded one);
``--sql`` prints the SQL without a database.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from storage.schema import Base


def _run(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=Base.metadata, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


def main() -> None:
    if context.is_offline_mode():
        context.configure(
            dialect_name="postgresql", target_metadata=Base.metadata, literal_binds=True
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    from storage.database import open_database

    db = open_database()
    try:
        with db.engine.begin() as owned:
            _run(owned)
    finally:
        db.dispose()


main()

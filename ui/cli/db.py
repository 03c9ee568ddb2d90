"""`invoicesim db ...`: apply the schema migrations and show where a database stands."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, TypeVar

import typer

from actors.errors import InvoicesimError
from storage.database import Database, open_database, status, upgrade
from ui.cli.exits import EXIT_BAD_INPUT, EXIT_FAILED

db_app = typer.Typer(
    name="db",
    help="The PostgreSQL record: DATABASE_URL, or the embedded server in INVOICESIM_DATA_DIR.",
    no_args_is_help=True,
    add_completion=False,
)

T = TypeVar("T")


def with_database(action: Callable[[Database], T], *, migrate: bool = False) -> T:
    """Run ``action`` on the configured database (migrated first when asked); any
    invoicesim error (unreachable database, unknown id...) exits with code 2."""
    try:
        db = open_database()
        try:
            if migrate:
                upgrade(db)
            return action(db)
        finally:
            db.dispose()
    except InvoicesimError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(EXIT_BAD_INPUT) from None


@db_app.command("upgrade")
def upgrade_command(
    revision: Annotated[
        str, typer.Argument(help="Revision to migrate to; the newest by default.")
    ] = "head",
) -> None:
    """Apply the schema migrations (safe to repeat)."""
    db_name, current = with_database(lambda db: (db.url_for_display, upgrade(db, revision)))
    typer.echo(f"{db_name}: at revision {current or 'none'}")


@db_app.command("status")
def status_command(
    check: Annotated[
        bool, typer.Option("--check", help="Exit with code 1 if migrations are pending.")
    ] = False,
) -> None:
    """Show which database is used, its revision, the newest one, and what is pending."""
    found = with_database(status)
    pending = ", ".join(found["pending"]) or "none"
    typer.echo(f"database  {found['database']}")
    typer.echo(f"current   {found['current'] or 'none (run: invoicesim db upgrade)'}")
    typer.echo(f"head      {found['head'] or 'none'}")
    typer.echo(f"pending   {pending}")
    if check and found["pending"]:
        raise typer.Exit(EXIT_FAILED)

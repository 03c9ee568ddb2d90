"""`invoicesim db status` and `invoicesim db upgrade`, through the typer app."""

from __future__ import annotations

from typer.testing import CliRunner

from storage.database import Database
from ui.cli.db import db_app


def env_for(db: Database) -> dict[str, str]:
    return {"DATABASE_URL": db.engine.url.render_as_string(hide_password=False)}


def test_db_status_names_the_database_and_lists_the_pending_migration(
    empty_database: Database,
) -> None:
    result = CliRunner().invoke(db_app, ["status"], env=env_for(empty_database))
    assert result.exit_code == 0, result.output
    assert "database  postgresql+psycopg://postgres:***@/invoicesim_test_" in result.output
    assert "current   none" in result.output
    assert "head      0008" in result.output
    assert "pending   0001, 0002, 0003, 0004, 0005, 0006, 0007, 0008\n" in result.output
    checked = CliRunner().invoke(db_app, ["status", "--check"], env=env_for(empty_database))
    assert checked.exit_code == 1


def test_db_upgrade_applies_the_migrations_and_prints_the_revision(
    empty_database: Database,
) -> None:
    result = CliRunner().invoke(db_app, ["upgrade"], env=env_for(empty_database))
    assert result.exit_code == 0, result.output
    assert result.output.strip().endswith("at revision 0008")
    status = CliRunner().invoke(db_app, ["status", "--check"], env=env_for(empty_database))
    assert status.exit_code == 0, status.output
    assert "pending   none" in status.output


def test_db_commands_exit_2_with_the_database_error_when_the_server_cannot_be_reached() -> None:
    env = {"DATABASE_URL": "postgresql://bob:hunter2@no-such-host.invalid/sim"}
    for command in (["status"], ["upgrade"]):
        result = CliRunner().invoke(db_app, command, env=env)
        assert result.exit_code == 2
        assert "cannot connect to postgresql+psycopg://bob:***@no-such-host.invalid/sim" in (
            result.output
        )
        assert "hunter2" not in result.output

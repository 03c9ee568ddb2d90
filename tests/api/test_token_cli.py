"""`invoicesim token ...`: the token is printed once, on stdout alone, and works on the API."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from storage.database import Database
from storage.tokens import verify_token
from ui.cli.app import app


@pytest.fixture
def env(migrated_database: Database) -> dict[str, str]:
    url = migrated_database.engine.url.render_as_string(hide_password=False)
    return {"DATABASE_URL": url}


def test_token_create_prints_the_token_once_and_list_never_shows_it(
    migrated_database: Database, env: dict[str, str]
) -> None:
    runner = CliRunner()
    created = runner.invoke(app, ["token", "create", "--role", "enterprise", "--name", "erp"],
                            env=env)  # fmt: skip
    assert created.exit_code == 0, created.output
    token = created.stdout.strip()
    record = verify_token(migrated_database, token)
    assert record is not None and (record.role, record.name) == ("enterprise", "erp")
    listed = runner.invoke(app, ["token", "list"], env=env)
    assert record.token_id in listed.stdout and token not in listed.stdout
    revoked = runner.invoke(app, ["token", "revoke", record.token_id], env=env)
    assert revoked.exit_code == 0 and token not in revoked.stdout
    assert verify_token(migrated_database, token) is None


def test_token_create_refuses_an_unknown_role(env: dict[str, str]) -> None:
    answer = CliRunner().invoke(app, ["token", "create", "--role", "root"], env=env)
    assert answer.exit_code == 2

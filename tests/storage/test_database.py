"""Which database is used, and the errors a person gets when it cannot be reached."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from storage.database import Database, DatabaseError, DatabaseSettings, open_database


def test_a_database_url_with_a_bad_host_gives_a_database_error_naming_the_masked_url() -> None:
    url = "postgresql://alice:s3cret@no-such-host.invalid:5432/sim"
    with pytest.raises(DatabaseError) as caught:
        open_database(DatabaseSettings.from_env({"DATABASE_URL": url}))
    message = str(caught.value)
    assert "postgresql+psycopg://alice:***@no-such-host.invalid:5432/sim" in message
    assert "s3cret" not in message
    assert "DATABASE_URL=postgresql+psycopg://user:pass@host:5432/db" in message


def test_a_plain_postgresql_url_is_rewritten_to_the_psycopg_driver() -> None:
    settings = DatabaseSettings.from_env({"DATABASE_URL": "postgresql://u:p@db:5432/sim"})
    assert settings.database_url is not None
    assert settings.database_url.drivername == "postgresql+psycopg"
    assert "p@" not in repr(settings)  # the password never shows in logs


@pytest.mark.parametrize("url", ["sqlite:///sim.db", "postgresql+psycopg2://u@h/db", "not a url"])
def test_a_url_that_is_not_postgresql_with_psycopg_is_refused_saying_what_to_set(url: str) -> None:
    with pytest.raises(DatabaseError, match=r"DATABASE_URL=postgresql\+psycopg://"):
        DatabaseSettings.from_env({"DATABASE_URL": url})


def test_the_data_folder_is_invoicesim_data_dir_else_under_xdg_data_home_else_home() -> None:
    explicit = DatabaseSettings.from_env({"INVOICESIM_DATA_DIR": "/srv/sim", "XDG_DATA_HOME": "/x"})
    assert explicit.database_url is None
    assert explicit.pgdata == Path("/srv/sim/pg")
    assert DatabaseSettings.from_env({"XDG_DATA_HOME": "/x"}).data_dir == Path("/x/invoicesim")
    assert DatabaseSettings.from_env({}).data_dir == Path.home() / ".local/share/invoicesim"


def test_a_data_folder_that_cannot_be_created_gives_a_database_error_saying_what_to_set(
    tmp_path: Path,
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    settings = DatabaseSettings.from_env({"INVOICESIM_DATA_DIR": str(blocker / "data")})
    with pytest.raises(DatabaseError) as caught:
        open_database(settings)
    assert f"embedded PostgreSQL in {blocker}/data/pg" in str(caught.value)
    assert "INVOICESIM_DATA_DIR to a writable folder" in str(caught.value)


def test_opening_the_same_data_folder_again_reuses_the_running_server(
    database_server: Database,
) -> None:
    if database_server.server is None:
        pytest.skip("the tests use DATABASE_URL, not an embedded server")
    pgdata = database_server.server.pgdata
    again = open_database(DatabaseSettings(database_url=None, data_dir=pgdata.parent))
    try:
        assert again.server is database_server.server
        assert again.url_for_display == f"embedded PostgreSQL in {pgdata}"
    finally:
        again.dispose()


def test_raw_connect_gives_a_psycopg_connection_to_the_same_database(
    migrated_database: Database,
) -> None:
    with migrated_database.engine.connect() as connection:
        expected = connection.scalar(text("SELECT current_database()"))
    with migrated_database.raw_connect() as raw:
        row = raw.execute("SELECT current_database()").fetchone()
    assert row is not None and row[0] == expected

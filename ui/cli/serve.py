"""`invoicesim serve`: the live service, the composition root of the API.

Opens the database (``DATABASE_URL`` or the embedded server) and migrates it,
builds the live engine on the paced clock, starts a scenario if one is given,
and serves the API with uvicorn (uvloop, httptools). The embedded server is
started again if its process dies (``storage.embedded_keeper``). SIGINT or
SIGTERM stops uvicorn gracefully; then the engine stops (its last window is
flushed to the database) and the database is closed.
"""

from __future__ import annotations

import logging
import signal
from pathlib import Path
from types import FrameType
from typing import Annotated

import typer
import uvicorn

from actors.errors import InvoicesimError
from simulation.scenario import load_scenario
from storage.database import open_database, upgrade
from storage.embedded_keeper import Keeper
from ui.api import ApiSettings, create_app
from ui.cli.exits import EXIT_BAD_INPUT

log = logging.getLogger("invoicesim.serve")


class _Stop(Exception):
    """SIGTERM, turned into an exception so the engine is stopped before the process ends."""


def _raise_stop(signum: int, frame: FrameType | None) -> None:
    raise _Stop


def _serve(server: uvicorn.Server) -> None:
    """Run uvicorn until SIGINT or SIGTERM. uvicorn drains requests, then re-raises the
    signal it caught; without a handler of ours SIGTERM would end the process there,
    before the engine's last window is flushed."""
    previous = signal.signal(signal.SIGTERM, _raise_stop)
    try:
        server.run()
    except (_Stop, KeyboardInterrupt):
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)


def serve_command(
    scenario: Annotated[
        Path | None, typer.Option(help="Scenario file to start at once (or start one later).")
    ] = None,
    host: Annotated[str, typer.Option(envvar="INVOICESIM_HOST", help="Listen address.")] = (
        "127.0.0.1"
    ),
    port: Annotated[int, typer.Option(envvar="INVOICESIM_PORT", min=1, max=65_535)] = 8000,
    speed: Annotated[float, typer.Option(min=0.01, max=1_000, help="Simulated s per wall s.")] = 1,
    runtime: Annotated[str, typer.Option(help="ray (default) or local.")] = "ray",
    shards: Annotated[int, typer.Option(min=1, max=64, help="Shard logical processes.")] = 2,
    access_log: Annotated[
        bool, typer.Option(help="Log every request (costs ~10% of the server's time).")
    ] = False,
) -> None:
    """Serve the API over a live simulation (settings: INVOICESIM_* variables, see README)."""
    if runtime not in ("local", "ray"):
        raise typer.BadParameter("must be local or ray", param_hint="--runtime")
    try:
        settings = ApiSettings(host=host, port=port)
        loaded = None if scenario is None else load_scenario(scenario)
        db = open_database()
        upgrade(db)
    except InvoicesimError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    from simulation.live.service import LiveEngine  # the engine is only built when serving

    engine = LiveEngine(db, runtime=runtime, shards=shards, speed=speed)
    keeper = Keeper(db).start()
    try:
        if loaded is not None:
            run_id = engine.start(loaded)
            typer.echo(f"started {loaded.name} as run {run_id}", err=True)
        config = uvicorn.Config(
            create_app(settings, db, engine),
            host=settings.host,
            port=settings.port,
            loop="uvloop",
            http="httptools",
            log_level="info",
            access_log=access_log,
        )
        _serve(uvicorn.Server(config))
    finally:
        stopped = engine.stop()
        engine.close()
        keeper.stop()  # before the server is stopped on purpose
        db.stop_embedded_server()
        if stopped is not None:
            typer.echo(f"stopped run {stopped}; its last window is recorded", err=True)

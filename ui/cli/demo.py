"""`invoicesim demo` (and `make demo`): the whole product, live, with one command.

Checks its ports, then runs the demo in a child process of its own session
(``tied.run_apart``): Ctrl-C, or SIGTERM to the command or to its whole process
group (how service managers and containers stop it), reaches the command alone,
which asks the child once to stop. The child starts the database (embedded
unless ``DATABASE_URL``; started again if its process dies) and migrates it,
makes an admin token, starts the live engine on the paced clock with
``scenarios/demo.yaml``, serves the API in a thread, starts the dashboards
(``streamlit run``) pointed at the API with that token, waits until both
answer, and prints where to look. Asked to stop, it stops everything in reverse
order: the dashboards, the API, the engine (its last window is recorded), the
embedded server (when no other process uses it). Nothing but the banner and real
errors reaches the terminal: Ray's notices and Streamlit's are left out.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Annotated

import httpx
import typer
import uvicorn
from rich.console import Console
from rich.panel import Panel

from actors.errors import InvoicesimError
from simulation.scenario import Scenario, load_scenario
from storage.database import Database, downgrade, open_database, upgrade
from storage.embedded_keeper import Keeper
from storage.tokens import create_token
from ui.api import ApiSettings, create_app
from ui.cli import tied
from ui.cli.exits import EXIT_BAD_INPUT, EXIT_FAILED
from ui.cli.ports import check_free
from ui.cli.ui import dashboard_env, streamlit_command

ROOT = Path(__file__).resolve().parents[2]
DEMO_SCENARIO = ROOT / "scenarios" / "demo.yaml"
READY_TIMEOUT_S = 120.0
API_STOP_S = 10.0  # how long the API's requests under way may take to end when it stops

console = Console(stderr=True)


class _Stop(Exception):
    """SIGTERM, turned into an exception so everything is stopped in order."""


def _raise_stop(signum: int, frame: FrameType | None) -> None:
    raise _Stop


def demo_command(
    reset: Annotated[
        bool, typer.Option("--reset", help="Start from a clean slate: drop every run and token.")
    ] = False,
    scenario: Annotated[Path, typer.Option(help="The scenario to run.")] = DEMO_SCENARIO,
    speed: Annotated[float, typer.Option(min=0.01, max=1_000, help="Simulated s per wall s.")] = 1,
    runtime: Annotated[str, typer.Option(help="ray (default) or local.")] = "ray",
    host: Annotated[str, typer.Option(help="Listen address of the API and dashboards.")] = (
        "127.0.0.1"
    ),
    api_port: Annotated[int, typer.Option(min=1, max=65_535)] = 8000,
    ui_port: Annotated[int, typer.Option(min=1, max=65_535)] = 8501,
) -> None:
    """Run the live demo: database, engine, API and dashboards; Ctrl-C stops it all."""
    if runtime not in ("local", "ray"):
        raise typer.BadParameter("must be local or ray", param_hint="--runtime")
    started = time.monotonic()
    try:
        check_free(host, api_port, "--api-port")
        check_free(host, ui_port, "--ui-port")
        loaded = load_scenario(scenario)
    except InvoicesimError as exc:
        console.print(f"[red]error:[/] {exc}")
        raise typer.Exit(EXIT_BAD_INPUT) from None
    options = _Options(loaded, reset, speed, runtime, host, api_port, ui_port, started)
    raise typer.Exit(tied.run_apart(lambda: _demo(options)))


@dataclass(frozen=True, slots=True)
class _Options:
    scenario: Scenario
    reset: bool
    speed: float
    runtime: str
    host: str
    api_port: int
    ui_port: int
    started: float  # time.monotonic() when the command started


def _demo(options: _Options) -> int:
    """The demo itself, in its own session; its exit code."""
    try:
        with console.status("starting PostgreSQL"):
            db = open_database()
            if options.reset:
                downgrade(db, "base")
            upgrade(db)
    except InvoicesimError as exc:
        console.print(f"[red]error:[/] {exc}")
        return EXIT_BAD_INPUT
    signal.signal(signal.SIGTERM, _raise_stop)
    keeper = Keeper(db).start()
    code = 0
    try:
        _run(db, options)
    except (_Stop, KeyboardInterrupt):
        pass
    except InvoicesimError as exc:
        console.print(f"[red]error:[/] {exc}")
        code = EXIT_FAILED
    finally:
        _ignore_stop_signals()  # stopping already: a second signal must not cut it short
        keeper.stop()
        db.stop_embedded_server()
        console.print("demo stopped")
    return code


def _run(db: Database, options: _Options) -> None:
    from simulation.live.service import LiveEngine

    runtime, speed, host = options.runtime, options.speed, options.host
    api_port, ui_port = options.api_port, options.ui_port
    _, token = create_token(db, "admin", name="demo")
    engine = LiveEngine(db, runtime=runtime, shards=2, speed=speed)
    server: uvicorn.Server | None = None
    api_thread: threading.Thread | None = None
    ui: subprocess.Popen[bytes] | None = None
    api_url = f"http://{host}:{api_port}"
    try:
        # The dashboards boot in their own process while the runtime starts here:
        # both take seconds, and a page opened early fills in once the API answers.
        ui = _start_dashboards(host, ui_port, api_url, token)
        if runtime == "ray":
            _quiet_ray()
        with console.status(f"starting the {runtime} runtime and the scenario"):
            run_id = engine.start(options.scenario)
        # Ray's core worker, started with the runtime, puts a handler of its own on SIGTERM
        # (it prints a stack and aborts): the demo's goes back, so SIGTERM stops it cleanly.
        signal.signal(signal.SIGTERM, _raise_stop)
        settings = ApiSettings(host=host, port=api_port, scenarios_dir=DEMO_SCENARIO.parent)
        config = uvicorn.Config(
            create_app(settings, db, engine), host=host, port=api_port, log_level="warning"
        )
        server = uvicorn.Server(config)
        api_thread = threading.Thread(target=server.run, name="invoicesim-api", daemon=True)
        api_thread.start()
        with console.status("waiting for the API and the dashboards"):
            _wait_ready(f"{api_url}/healthz", ui)
            _wait_ready(f"http://{host}:{ui_port}/_stcore/health", ui)
        console.print(
            Panel.fit(
                f"[bold]Dashboard[/]  http://{host}:{ui_port}\n"
                f"[bold]API[/]        {api_url}/docs\n"
                f"[bold]Admin token[/] {token}\n"
                f"[bold]Run[/]        {run_id} ({speed:g}x, {runtime} runtime)\n"
                f"ready in {time.monotonic() - options.started:.1f} s - Ctrl-C stops everything",
                title="invoicesim demo",
            )
        )
        while ui.poll() is None and api_thread.is_alive():
            time.sleep(0.5)
        console.print("[red]the dashboards or the API stopped; shutting down[/]")
    finally:
        _ignore_stop_signals()
        if ui is not None and ui.poll() is None:
            ui.terminate()
            try:
                ui.wait(10)
            except subprocess.TimeoutExpired:
                ui.kill()
        if server is not None and api_thread is not None:
            server.should_exit = True
            api_thread.join(API_STOP_S)
            # A read still under way (a slow query) ends when the database stops: its
            # "database unavailable" is the demo stopping, not news for the terminal.
            logging.getLogger("invoicesim.api").setLevel(logging.ERROR)
        stopped = engine.stop()
        if stopped is not None:
            console.print(f"stopped run {stopped}; its last window is recorded")


def _quiet_ray() -> None:
    """Ray's notices (token authentication, a SIGTERM handler it leaves to the demo, which
    starts it in a thread) are not the presenter's business: only its errors are shown."""
    import ray  # noqa: F401  (its import sets up the logger configured here)

    logging.getLogger("ray").setLevel(logging.ERROR)


def _ignore_stop_signals() -> None:
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, signal.SIG_IGN)


def _start_dashboards(host: str, port: int, api_url: str, token: str) -> subprocess.Popen[bytes]:
    env = dashboard_env(api_url, token)
    streamlit = streamlit_command(host, port)
    # Its own session: Ctrl-C reaches the demo alone, which stops the dashboards in
    # order. Tied to this process: a demo killed outright takes them with it.
    command = tied.command(os.getpid(), streamlit)
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, start_new_session=True)


def _wait_ready(url: str, ui: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if ui.poll() is not None:
            raise InvoicesimError(f"the dashboards exited with code {ui.returncode}")
        try:
            if httpx.get(url, timeout=2.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise InvoicesimError(f"{url} did not answer within {READY_TIMEOUT_S:.0f} s")

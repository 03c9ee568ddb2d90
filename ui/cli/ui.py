"""`invoicesim ui [--api URL] [--token TOKEN]`: the Streamlit dashboards, in their own process.

The dashboards only talk to the API, so this needs no database: it runs
``streamlit run ui/dashboard/app.py`` with the API's address and token passed by
environment (``INVOICESIM_API_URL``, ``INVOICESIM_TOKEN``), never on the command
line of the child, where other users could read the token.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Annotated

import typer

APP = Path(__file__).resolve().parents[1] / "dashboard" / "app.py"
DEFAULT_API = "http://127.0.0.1:8000"
STOP_TIMEOUT_S = 10.0


def streamlit_command(host: str, port: int) -> list[str]:
    """The command that serves the dashboards on ``host:port`` (no browser opened), as a
    viewer sees them (no Deploy button or developer menu), logging warnings and errors only
    (not Streamlit's own "server started" lines beside the API's)."""
    return [
        sys.executable, "-m", "streamlit", "run", str(APP),
        "--server.address", host, "--server.port", str(port),
        "--server.headless", "true", "--browser.gatherUsageStats", "false",
        "--client.toolbarMode", "viewer", "--logger.level", "warning",
    ]  # fmt: skip


def dashboard_env(api: str, token: str | None) -> dict[str, str]:
    """This process's environment plus the API address and, if given, the token."""
    env = dict(os.environ, INVOICESIM_API_URL=api)
    if token:
        env["INVOICESIM_TOKEN"] = token
    return env


def ui_command(
    api: Annotated[
        str, typer.Option(envvar="INVOICESIM_API_URL", help="Base URL of `invoicesim serve`.")
    ] = DEFAULT_API,
    token: Annotated[
        str | None,
        typer.Option(
            envvar="INVOICESIM_TOKEN",
            show_default=False,
            help="Bearer token the dashboards use (also settable in their sidebar).",
        ),
    ] = None,
    host: Annotated[str, typer.Option(help="Address the dashboards listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65_535, help="Port of the dashboards.")] = 8501,
) -> None:
    """Serve the dashboards (Streamlit) for the API at --api; Ctrl-C stops them."""
    typer.echo(f"dashboards on http://{host}:{port} for the API at {api}", err=True)
    child = subprocess.Popen(streamlit_command(host, port), env=dashboard_env(api, token))
    try:
        code = child.wait()
    except KeyboardInterrupt:
        code = stop(child)
    raise typer.Exit(code=code)


def stop(child: subprocess.Popen[bytes]) -> int:
    """Ask Streamlit to stop (SIGINT, as Ctrl-C would), then kill it if it does not."""
    if child.poll() is None:
        child.send_signal(signal.SIGINT)
    try:
        return child.wait(STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        child.kill()
        return child.wait()

"""Whether ``invoicesim demo`` can listen on a port, and if not, who holds it.

The check binds as the servers will (uvicorn and Streamlit set ``SO_REUSEADDR``):
without it, a connection of a demo stopped a moment ago, still in TIME_WAIT after a
browser was connected, made the port look taken for a minute. A port really held
by another invoicesim demo (or ``serve``) is named with the process to stop.
"""

from __future__ import annotations

import socket

import httpx
import psutil

from actors.errors import InvoicesimError

PROBE_TIMEOUT_S = 1.0
MAX_ANCESTORS = 8  # how far up from the listening process a demo is looked for


def check_free(host: str, port: int, option: str) -> None:
    """Raise an ``InvoicesimError`` that says what to do if ``host:port`` cannot be listened on."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            reason = error.strerror or type(error).__name__
            raise InvoicesimError(_taken(host, port, option, reason)) from None


def _taken(host: str, port: int, option: str, reason: str) -> str:
    where = f"{host}:{port}"
    holder = _invoicesim_holder(port)
    if holder is None and not _answers_as_invoicesim(host, port):
        return (
            f"{option}: cannot listen on {where} ({reason}); another program may use it: "
            f"pick another port with {option}"
        )
    what, pid = holder or ("invoicesim demo or serve", None)
    stop = "with Ctrl-C in its terminal" + ("" if pid is None else f", or `kill {pid}`")
    return (
        f"{option}: another {what}{'' if pid is None else f' (process {pid})'} is listening "
        f"on {where}; stop it {stop}, or pick another port with {option}"
    )


def _invoicesim_holder(port: int) -> tuple[str, int] | None:
    """("invoicesim demo" or "invoicesim serve", its pid) if one of them, or a process it
    started (its dashboards), listens on ``port``; the outermost such process (a demo
    runs in a child of the command that was typed)."""
    try:
        listeners = [
            c.pid
            for c in psutil.net_connections(kind="tcp")
            if c.status == psutil.CONN_LISTEN and c.laddr and c.laddr.port == port and c.pid
        ]
    except (psutil.Error, OSError):  # not allowed to look (another user's processes)
        return None
    found = None
    for pid in listeners[:1]:
        try:
            process: psutil.Process | None = psutil.Process(pid)
            for _ in range(MAX_ANCESTORS):
                if process is None:
                    break
                command = _command(process)
                if command is not None:
                    found = (command, process.pid)
                process = process.parent()
        except psutil.Error:
            pass
    return found


def _command(process: psutil.Process) -> str | None:
    argv = process.cmdline()
    if any(part.endswith("invoicesim") for part in argv[:2]):
        for name in ("demo", "serve"):
            if name in argv:
                return f"invoicesim {name}"
    return None


def _answers_as_invoicesim(host: str, port: int) -> bool:
    """Whether an invoicesim API answers there (its ``/healthz`` names the engine)."""
    address = "127.0.0.1" if host in ("0.0.0.0", "") else host
    try:
        answer = httpx.get(f"http://{address}:{port}/healthz", timeout=PROBE_TIMEOUT_S)
    except httpx.HTTPError:
        return False
    return answer.status_code == 200 and '"engine"' in answer.text

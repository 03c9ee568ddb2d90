"""`invoicesim demo` refuses clearly before starting anything when a port is taken, and
takes a port whose last connection is only in TIME_WAIT (a demo stopped a moment ago)."""

from __future__ import annotations

import socket

from typer.testing import CliRunner

from ui.cli.app import app
from ui.cli.ports import check_free


def test_a_taken_port_is_named_with_the_option_that_changes_it() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(app, ["demo", "--ui-port", str(port)])
    assert result.exit_code == 2
    assert f"--ui-port: cannot listen on 127.0.0.1:{port}" in result.output
    assert "pick another port" in result.output


def test_a_port_whose_last_connection_waits_in_time_wait_is_free() -> None:
    with socket.socket() as listener:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        browser = socket.create_connection(("127.0.0.1", port))
        served, _ = listener.accept()
        served.close()  # the server closes first, as a stopped demo does: TIME_WAIT is its side
        browser.close()
    with socket.socket() as plain:  # what the check did before: the port looked taken
        try:
            plain.bind(("127.0.0.1", port))
            looked_taken = False
        except OSError:
            looked_taken = True
    assert looked_taken
    check_free("127.0.0.1", port, "--api-port")  # no error


def test_an_unknown_runtime_is_refused() -> None:
    result = CliRunner().invoke(app, ["demo", "--runtime", "spark"])
    assert result.exit_code == 2
    assert "local or ray" in result.output

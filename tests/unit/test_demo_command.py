"""`invoicesim demo` refuses clearly before starting anything when a port is taken."""

from __future__ import annotations

import socket

from typer.testing import CliRunner

from ui.cli.app import app


def test_a_taken_port_is_named_with_the_option_that_changes_it() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(app, ["demo", "--ui-port", str(port)])
    assert result.exit_code == 2
    assert f"--ui-port: cannot listen on 127.0.0.1:{port}" in result.output
    assert "pick another port" in result.output


def test_an_unknown_runtime_is_refused() -> None:
    result = CliRunner().invoke(app, ["demo", "--runtime", "spark"])
    assert result.exit_code == 2
    assert "local or ray" in result.output

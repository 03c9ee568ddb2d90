"""The `invoicesim` command line."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="invoicesim",
    help="Simulation and demo engine for an invoice-first stablecoin payment platform.",
    no_args_is_help=True,
    add_completion=False,
)


@app.command()
def version() -> None:
    """Print the installed version."""
    from importlib.metadata import version as pkg_version

    typer.echo(pkg_version("invoicesim"))


def main() -> None:
    app()

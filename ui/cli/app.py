"""The `invoicesim` command line."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from simulation.scenario import ScenarioError, load_scenario
from ui.cli.db import db_app
from ui.cli.demo import demo_command
from ui.cli.exits import EXIT_BAD_INPUT
from ui.cli.fuzz import fuzz_command
from ui.cli.run import run
from ui.cli.runs import compare_command, report_command, runs_app
from ui.cli.serve import serve_command
from ui.cli.sweep import sweep_command
from ui.cli.token import token_app
from ui.cli.ui import ui_command

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


@app.command()
def validate(
    files: Annotated[
        list[Path], typer.Argument(help="Scenario YAML files to check.", show_default=False)
    ],
) -> None:
    """Check scenario files without running them; exit code 2 if any is invalid."""
    failed = False
    for file in files:
        try:
            scenario = load_scenario(file)
        except ScenarioError as exc:
            typer.echo(str(exc), err=True)
            failed = True
            continue
        faults, checks = len(scenario.faults), len(scenario.assertions)
        typer.echo(
            f"ok  {file}  ({scenario.name}, {scenario.duration_s:g} s, "
            f"{faults} fault{'' if faults == 1 else 's'}, "
            f"{checks} assertion{'' if checks == 1 else 's'})"
        )
    if failed:
        raise typer.Exit(EXIT_BAD_INPUT)


app.command()(run)
app.add_typer(db_app, name="db")
app.add_typer(runs_app, name="runs")
app.command("report")(report_command)
app.command("compare")(compare_command)
app.command("sweep")(sweep_command)
app.command("fuzz")(fuzz_command)
app.add_typer(token_app, name="token")
app.command("serve")(serve_command)
app.command("ui")(ui_command)
app.command("demo")(demo_command)


def main() -> None:
    app()

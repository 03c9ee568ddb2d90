"""`invoicesim validate FILE...`: check scenario files without running them."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from simulation.scenario import ScenarioError, load_scenario
from ui.cli.exits import EXIT_BAD_INPUT


def validate_command(
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

"""`invoicesim drive`: a scenario's load sent to an orchestrator's invoice API."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape

from actors.errors import InvoicesimError
from ui import formatting as fmt
from ui.cli.exits import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK
from ui.cli.progress import simulated_progress

if TYPE_CHECKING:  # the driver is imported when it runs, not for --help
    from exercise.drive.driver import DriveResult

console = Console(stderr=True)


def drive_command(
    scenario_file: Annotated[Path, typer.Argument(help="Scenario YAML file: its load phases.")],
    target: Annotated[
        str,
        typer.Option(
            help="The invoice API to drive (docs/exercise.md), e.g. http://127.0.0.1:8200; "
            "nothing is sent anywhere else.",
        ),
    ],
    speed: Annotated[
        float | None,
        typer.Option(
            min=0.01,
            max=1_000,
            help="Simulated seconds per wall second, as the orchestrator's and the "
            "emulators' --speed. Default: the scenario's clock speed if paced, else 1.",
        ),
    ] = None,
) -> None:
    """Create and pay SCENARIO_FILE's load invoices at their times against --target, with a
    progress bar, then wait until each has ended. Exit 0 when every paid invoice ended, 1
    when the target refused a request or some were still open at the drain limit, 2 on
    bad input or a target that does not answer."""
    from exercise.drive.driver import DriveError, drive
    from exercise.emulators.clock import PacedClock
    from simulation.scenario import load_scenario
    from simulation.scenario.model import ClockMode

    try:
        scenario = load_scenario(scenario_file)
        if not target.startswith(("http://", "https://")) or len(target) > 2_000:
            raise InvoicesimError(f"--target {target!r}: give an http:// or https:// address")
        paced = scenario.clock.mode is ClockMode.PACED
        chosen = speed if speed is not None else scenario.clock.speed if paced else 1.0
    except InvoicesimError as exc:
        console.print(f"[red]error:[/] {escape(str(exc))}")
        raise typer.Exit(EXIT_BAD_INPUT) from None
    with simulated_progress(console, scenario.name, float(scenario.duration_s)) as update:
        try:
            result = asyncio.run(
                drive(
                    scenario,
                    target.rstrip("/"),
                    PacedClock.start(chosen),
                    lambda now_s, sent: update(now_s, drive_counts(sent)),
                )
            )
        except DriveError as exc:
            console.print(f"[red]error:[/] {escape(str(exc))}")
            raise typer.Exit(EXIT_BAD_INPUT) from None
    processing = result.count("processing")
    console.print(
        f"{fmt.count(len(result.sent))} invoices sent to {escape(target)}: "
        f"{fmt.count(result.count('paid'))} paid, {fmt.count(result.count('failed'))} failed, "
        f"{fmt.count(result.count('pending'))} never paid by their payer, "
        f"{fmt.count(processing)} still open; {fmt.count(result.late)} requests sent late"
    )
    for line in result.refused:
        console.print(f"[red]refused[/] {escape(line)}")
    raise typer.Exit(EXIT_FAILED if result.refused or processing else EXIT_OK)


def drive_counts(result: DriveResult) -> str:
    """What a drive's progress bar says beside the simulated time."""
    return (
        f"invoices {fmt.count(len(result.sent))}, paid {fmt.count(result.count('paid'))}, "
        f"failed {fmt.count(result.count('failed'))}"
    )

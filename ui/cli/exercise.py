"""`invoicesim exercise`: emulators, an orchestrator and the load in one command, and a
report of what the providers saw, with the figures of a simulated run."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from actors.errors import InvoicesimError
from ui import formatting as fmt
from ui.cli.drive import drive_counts
from ui.cli.exits import EXIT_BAD_INPUT
from ui.cli.progress import simulated_progress
from ui.cli.verdict import report_and_exit

console = Console(stderr=True)


def exercise_command(
    scenario_file: Annotated[Path, typer.Argument(help="Scenario YAML file.")],
    target: Annotated[
        str | None,
        typer.Option(
            help="An orchestrator of your own that speaks the invoice API "
            "(docs/exercise.md) and reaches the emulators at the addresses printed; "
            "default: the reference orchestrator, started here.",
        ),
    ] = None,
    speed: Annotated[
        float | None,
        typer.Option(
            min=0.01,
            max=1_000,
            help="Simulated seconds per wall second. Default: the scenario's clock speed "
            "if paced, else 1. Real overheads do not speed up: past what the machine "
            "serves, requests go out late (the report counts them).",
        ),
    ] = None,
    base_port: Annotated[
        int,
        typer.Option(min=0, max=65_535, help="The emulators' first port (0: any free ones)."),
    ] = 0,
    out: Annotated[
        Path | None, typer.Option(help="Output folder (default: runs/<scenario name>-exercise).")
    ] = None,
    persist: Annotated[
        bool,
        typer.Option(
            "--persist/--no-persist",
            help="Record the exercise as a run in PostgreSQL (DATABASE_URL, or the embedded "
            "server): every request and charge the emulators saw, and the report.",
        ),
    ] = True,
) -> None:
    """Start SCENARIO_FILE's emulators and the reference orchestrator (or use --target),
    drive the scenario's load, and write report.json and report.html with the failover
    figures, double charges and lost invoices found in the emulators' records (recorded in
    PostgreSQL unless --no-persist). Exit 0 if every assertion and invariant holds, 1 if
    one fails, 2 on bad input or a database that cannot be reached."""
    from exercise.drive.driver import DriveError
    from exercise.session import ExerciseOptions, run_exercise
    from simulation.scenario import load_scenario
    from simulation.scenario.model import ClockMode
    from storage.database import Database, open_database, upgrade

    try:
        scenario = load_scenario(scenario_file)
        if target is not None and (
            not target.startswith(("http://", "https://")) or len(target) > 2_000
        ):
            raise InvoicesimError(f"--target {target!r}: give an http:// or https:// address")
        paced = scenario.clock.mode is ClockMode.PACED
        chosen = speed if speed is not None else scenario.clock.speed if paced else 1.0
        name = re.sub(r"[^A-Za-z0-9._-]", "_", scenario.name)
        out_dir = out or Path("runs") / f"{name}-exercise"
        out_dir.mkdir(parents=True, exist_ok=True)
    except (InvoicesimError, OSError) as exc:
        console.print(f"[red]error:[/] {escape(str(exc))}")
        raise typer.Exit(EXIT_BAD_INPUT) from None
    db: Database | None = None
    if persist:
        try:
            db = open_database()
            upgrade(db)
        except InvoicesimError as exc:
            if db is not None:
                db.stop_embedded_server()
            console.print(f"[red]error:[/] {escape(str(exc))}")
            raise typer.Exit(EXIT_BAD_INPUT) from None
    options = ExerciseOptions(
        speed=chosen, target=target.rstrip("/") if target else None, base_port=base_port
    )
    with simulated_progress(console, scenario.name, float(scenario.duration_s)) as update:

        def ready(providers: dict[str, str], orchestrator: str) -> None:
            for provider, url in providers.items():
                console.print(f"  {provider} emulated at {url}")
            console.print(f"  orchestrator at {escape(orchestrator)}")

        try:
            report = run_exercise(
                scenario,
                options,
                lambda now_s, sent: update(now_s, drive_counts(sent)),
                ready,
                db,
            )
        except (DriveError, InvoicesimError) as exc:
            console.print(f"[red]error:[/] {escape(str(exc))}")
            raise typer.Exit(EXIT_BAD_INPUT) from None
        finally:
            if db is not None:
                db.stop_embedded_server()
    report_and_exit(console, report, out_dir, _summary)


def _summary(report: dict[str, Any]) -> None:
    invoices = report["invoices"]
    console.print(
        f"invoices created {fmt.count(invoices['created'])}, paid {fmt.count(invoices['paid'])}"
        f", failed {fmt.count(invoices['failed'])}, open {fmt.count(invoices['open'])}; "
        f"double charges {fmt.count(report['double_pays'])}, lost {fmt.count(report['lost'])}"
    )
    for f in report["failover"]:
        spans = " / ".join(
            "—" if f[key] is None else fmt.seconds(f[key])
            for key in ("time_to_detect_s", "time_to_failover_s", "time_to_failback_s")
        )
        console.print(
            f"{f['provider']} {fmt.words(f['kind'])}: detect / failover / failback {spans}"
        )
    if report["requests_late"]:
        console.print(
            f"[yellow]{fmt.count(report['requests_late'])} requests went out more than 50 ms "
            "late: the machine did not keep up with this speed[/]"
        )

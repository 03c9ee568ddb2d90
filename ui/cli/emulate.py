"""`invoicesim emulate`: the scenario's providers over HTTP, the emulators' composition root.

Reads the scenario, takes each provider's port, opens the database (``DATABASE_URL``
or the embedded server) and records the emulation as a run of its own (runtime
``emulators``), then serves until SIGINT or SIGTERM: listeners close, answers due
within two seconds still come (later ones are cut short), the last rows are written and
the run is marked stopped.
What the emulators do is in ``exercise.emulators`` and docs/emulators.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape

from actors.errors import InvoicesimError
from ui import formatting as fmt
from ui.cli.exits import EXIT_BAD_INPUT

if TYPE_CHECKING:  # the emulators are imported when they start, not for --help
    from exercise.emulators import DatabaseRecords, Emulators, Endpoint
    from storage.database import Database

console = Console(stderr=True)


def emulate_command(
    scenario_file: Annotated[Path, typer.Argument(help="Scenario YAML file.")],
    speed: Annotated[
        float | None,
        typer.Option(
            min=0.01,
            max=1_000,
            help="Simulated seconds per wall second: latencies, timeouts and the fault "
            "timeline run this much faster. Default: the scenario's clock speed if its clock "
            "is paced, else 1.",
        ),
    ] = None,
    host: Annotated[
        str, typer.Option(help="Listen address; 127.0.0.1 (this machine only) unless you say.")
    ] = "127.0.0.1",
    base_port: Annotated[
        int,
        typer.Option(
            min=0, max=65_535, help="The scenario's provider i listens on BASE_PORT + i (0: any)."
        ),
    ] = 8100,
) -> None:
    """Serve each provider of SCENARIO_FILE over HTTP on a port of its own (its API in
    docs/emulators.md and at its /openapi.json), failing as the scenario's faults say, and
    record every request and charge; Ctrl-C stops. Exit 2 on bad input, a port taken or a
    database that cannot be reached."""
    from exercise.emulators import DatabaseRecords, EmulateOptions, Emulators, default_speed
    from simulation.scenario import load_scenario
    from storage.database import open_database, upgrade

    try:  # what is quick to check first: the file, the options, the ports
        scenario = load_scenario(scenario_file)
        chosen = default_speed(scenario) if speed is None else speed
        options = EmulateOptions(speed=chosen, host=host, base_port=base_port)
        records = DatabaseRecords()
        emulators = Emulators(scenario, options, records)
        endpoints = emulators.bind()
    except InvoicesimError as exc:
        console.print(f"[red]error:[/] {escape(str(exc))}")
        raise typer.Exit(EXIT_BAD_INPUT) from None
    try:
        db = open_database()
    except InvoicesimError as exc:
        emulators.release()
        console.print(f"[red]error:[/] {escape(str(exc))}")
        raise typer.Exit(EXIT_BAD_INPUT) from None
    try:
        upgrade(db)
        run_id = _start_run(db, emulators, endpoints)
    except InvoicesimError as exc:
        emulators.release()
        db.stop_embedded_server()
        console.print(f"[red]error:[/] {escape(str(exc))}")
        raise typer.Exit(EXIT_BAD_INPUT) from None
    _serve(emulators, records.start(db, run_id), endpoints, run_id)


def _start_run(db: Database, emulators: Emulators, endpoints: list[Endpoint]) -> str:
    from exercise.emulators.records import emulator_run
    from storage.runs import start_run

    options = emulators.options
    settings = {
        "speed": options.speed,
        "host": options.host,
        "ports": {e.provider: e.port for e in endpoints},
    }
    return start_run(db, emulator_run(emulators.scenario, "emulators", settings))


def _serve(
    emulators: Emulators, records: DatabaseRecords, endpoints: list[Endpoint], run_id: str
) -> None:
    from exercise.emulators import serve_until_signal
    from storage.runs import finish_run

    assert records.db is not None
    db = records.db
    try:
        serve_until_signal(emulators, lambda clock: _banner(emulators, endpoints, run_id))
    finally:
        records.close()
        finish_run(db, run_id, None, "stopped")
        db.stop_embedded_server()
        written = records.written
        console.print(
            f"Stopped. Run {run_id} recorded: requests {fmt.count(written['emulator_requests'])}, "
            f"charges {fmt.count(written['emulator_charges'])}"
            + (f", [red]{fmt.count(records.lost)} rows lost[/]" if records.lost else "")
        )


def _banner(emulators: Emulators, endpoints: list[Endpoint], run_id: str) -> None:
    scenario, speed = emulators.scenario, emulators.options.speed
    console.print(f"[bold]{escape(scenario.name)}[/]: its providers emulated at {speed:g}x")
    configs = {c.name: c for c in scenario.provider_configs()}
    width = max(len(e.provider) for e in endpoints)
    for endpoint in endpoints:
        config = configs[endpoint.provider]
        faults = [
            f"{fault.kind} at {fault.start_s:g} s"
            + ("" if fault.duration_s is None else f" for {fault.duration_s:g} s")
            for fault in scenario.faults
            if fault.target == endpoint.provider and fault.is_provider_fault
        ]
        console.print(
            f"  {endpoint.provider:<{width}}  [bold]{endpoint.url}[/]  latency "
            f"{fmt.latency(config.latency_base_ms)} + ~{fmt.latency(config.latency_jitter_ms)}, "
            f"declines {fmt.percent(config.decline_rate)}, timeout "
            f"{fmt.latency(config.timeout_ms)}; {escape(', '.join(faults) or 'no faults')}",
            soft_wrap=True,
        )
    console.print(
        f"Simulated time 0 is now (faults at simulated seconds). Run {run_id} records every "
        "request and charge. Ctrl-C stops."
    )

"""`invoicesim sweep`: run a scenario over a grid of parameters and seeds, write CSV and HTML."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from actors.errors import InvoicesimError
from simulation.scenario import load_scenario
from simulation.sweep.runner import (
    RunRow,
    SweepResult,
    check_workers,
    default_out_dir,
    parse_param,
    plan_sweep,
    run_sweep,
    write_csv,
)
from ui import formatting as fmt
from ui.cli.exits import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK
from ui.cli.progress import counting_progress

console = Console(stderr=True)

MAX_FAILURES_PRINTED = 10


def sweep_command(
    scenario_file: Annotated[Path, typer.Argument(help="Scenario YAML file.")],
    param: Annotated[
        list[str] | None,
        typer.Option(
            "--param",
            help="PATH=V1,V2,... (e.g. routing.breaker.failure_threshold=3,5,10); "
            "repeat for up to 6 parameters.",
            show_default=False,
        ),
    ] = None,
    seeds: Annotated[
        int, typer.Option(help="Seeds per cell: the scenario's seed, +1, +2, ...")
    ] = 1,
    out: Annotated[
        Path | None, typer.Option(help="Output folder (default: runs/sweep-<scenario name>).")
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(help="Runs in flight at once (default: twice the Ray cluster's CPUs)."),
    ] = None,
    ray_address: Annotated[
        str | None,
        typer.Option(help="Join this Ray cluster (default: RAY_ADDRESS, else a local Ray)."),
    ] = None,
    serial: Annotated[
        bool, typer.Option("--serial", help="Run one after the other in this process, no Ray.")
    ] = False,
) -> None:
    """Run SCENARIO_FILE for every combination of --param values and --seeds seeds (at most
    500 runs); write sweep.csv and sweep.html; exit 0 if every run passes, 1 if one fails,
    2 on bad input."""
    try:
        scenario = load_scenario(scenario_file)
        plan = plan_sweep(scenario, [parse_param(p) for p in param or []], seeds)
        check_workers(workers)
        out_dir = out or default_out_dir(scenario)
        out_dir.mkdir(parents=True, exist_ok=True)
        with _progress(len(plan.runs), "serial" if serial else "ray") as on_row:
            result = run_sweep(plan, serial, workers, ray_address, on_row)
        write_csv(result, out_dir / "sweep.csv")
        from ui.report import render_sweep_html  # Altair and vl-convert: once the runs are done

        (out_dir / "sweep.html").write_text(render_sweep_html(result), encoding="utf-8")
    except (InvoicesimError, OSError) as error:
        console.print(f"[red]error:[/red] {escape(str(error))}", highlight=False)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    _print_summary(result)
    console.print(f"sweep: {out_dir / 'sweep.html'}  ({out_dir / 'sweep.csv'})")
    raise typer.Exit(EXIT_FAILED if result.failures else EXIT_OK)


@contextmanager
def _progress(total: int, label: str) -> Iterator[Callable[[RunRow], None]]:
    """A bar of runs done / total, with how many failed so far."""
    with counting_progress(console, label, "runs", "failed", total) as done:
        yield lambda row: done(row.passed)


def _print_summary(result: SweepResult) -> None:
    plan = result.plan
    table = Table(title=f"sweep of {plan.scenario.name}")
    table.add_column("figure")
    table.add_column("value", justify="right")
    table.add_row("parameters", ", ".join(p.path for p in plan.params) or "none (seeds only)")
    table.add_row("cells x seeds", f"{plan.cells} x {len(plan.seeds)}")
    table.add_row("runs", fmt.count(len(result.rows)))
    table.add_row("failures", fmt.count(len(result.failures)))
    table.add_row("wall time", fmt.seconds(result.wall_s))
    Console().print(table)
    for row in result.failures[:MAX_FAILURES_PRINTED]:
        values = ", ".join(f"{p.path}={v}" for p, v in zip(plan.params, row.values, strict=True))
        console.print(
            f"[red]FAILED[/red] run {row.index} ({escape(values or 'no params')}, "
            f"seed {row.seed}):",
            highlight=False,
        )
        for line in [row.error] if row.error else row.failed:
            console.print(f"  {escape(line)}", highlight=False, soft_wrap=True)
    more = len(result.failures) - MAX_FAILURES_PRINTED
    if more > 0:
        console.print(f"... and {more} more failed runs (see sweep.csv)")

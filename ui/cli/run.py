"""`invoicesim run`: run a scenario with a progress bar, write the report, give a verdict."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from actors.errors import InputError, InvoicesimError
from ui import formatting as fmt
from ui.cli.exits import EXIT_BAD_INPUT
from ui.cli.progress import simulated_progress
from ui.cli.verdict import report_and_exit

if TYPE_CHECKING:  # the engine is imported when a run starts, not for --help
    from simulation.engine import RunOptions
    from simulation.scenario import Scenario

console = Console(stderr=True)


def run(
    scenario_file: Annotated[Path, typer.Argument(help="Scenario YAML file.")],
    seed: Annotated[int | None, typer.Option(help="Override the scenario's seed.")] = None,
    runtime: Annotated[
        str,
        typer.Option(
            help="Where logical processes run: ray (as Ray actors; a local Ray unless "
            "--ray-address or RAY_ADDRESS names a cluster) or local (in this process: "
            "quicker to start, for short runs and tests). Same shards, same digest."
        ),
    ] = "ray",
    shards: Annotated[
        int | None,
        typer.Option(
            help="Wallet shards (orchestrator replicas), 1..64. Default: the scenario's "
            "shards if it sets them; else one per CPU Ray reports (--runtime ray), or 1."
        ),
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="Output folder (default: runs/<scenario name>).")
    ] = None,
    speed: Annotated[
        float | None,
        typer.Option(help="Paced clock: simulated seconds per wall second (default: virtual)."),
    ] = None,
    persist: Annotated[
        bool,
        typer.Option(
            "--persist/--no-persist",
            help="Record the run in PostgreSQL (DATABASE_URL, or the embedded server).",
        ),
    ] = True,
    ray_address: Annotated[
        str | None,
        typer.Option(help="Join this Ray cluster (default: RAY_ADDRESS, else a local Ray)."),
    ] = None,
    row_writers: Annotated[
        str,
        typer.Option(
            help="Who writes a persisted --runtime ray run's rows: driver (one connection), "
            "hosts (each Ray host beside itself, a connection each), or auto: hosts when the "
            "cluster has 2 CPUs per host, else the driver. A live run's driver writes them.",
        ),
    ] = "auto",
    checkpoint_every: Annotated[
        int | None,
        typer.Option(
            help="Save every logical process every N windows (stretched when costly), to "
            "restore one that is lost; 0: never (a lost one then stops the run). Default, with "
            "--runtime ray or an actor_crash fault: 20 (one-second windows; 1000 with --speed, "
            "whose windows are a lookahead), else 0 (nothing else can be lost).",
        ),
    ] = None,
) -> None:
    """Run SCENARIO_FILE; write report.json, report.html and invoices.csv; exit 0 if every
    assertion and invariant holds, 1 if one fails, 2 on bad input or when the run cannot
    go on (the database cannot be reached, say)."""
    from simulation.engine import RunOptions
    from simulation.export import InvoiceCsv
    from simulation.scenario import load_scenario, with_overrides

    try:
        scenario = load_scenario(scenario_file)
        if seed is not None:
            scenario = with_overrides(scenario, {"seed": seed})
        if speed is not None and not 0 < speed <= 1000:
            raise InputError(f"--speed must be within (0, 1000], got {speed}")
        # A scenario name is user input: keep it to one safe path segment.
        out_dir = out or Path("runs") / re.sub(r"[^A-Za-z0-9._-]", "_", scenario.name)
        out_dir.mkdir(parents=True, exist_ok=True)
    except (InputError, OSError) as error:
        console.print(f"[red]error:[/red] {error}", highlight=False)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    invoices = InvoiceCsv(out_dir / "invoices.csv")
    options = RunOptions(
        shards,
        runtime,
        speed,
        invoices.write,
        persist=persist,
        ray_address=ray_address,
        row_writers=row_writers,
    )
    if checkpoint_every is not None:
        options.checkpoint_every = checkpoint_every
    try:
        report = _run_with_progress(scenario, options)
    except InvoicesimError as error:  # bad input, or a database that cannot be reached
        console.print(f"[red]error:[/red] {error}", highlight=False)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    finally:
        invoices.close()
    report_and_exit(console, report, out_dir, _print_summary)


def _run_with_progress(scenario: Scenario, options: RunOptions) -> dict[str, Any]:
    from simulation.engine import run_scenario

    duration = float(scenario.duration_s)
    with simulated_progress(console, scenario.name, duration) as update:
        last = [0.0]
        said = [""]

        def progress(sim_s: float, counts: dict[str, int]) -> None:
            now = time.perf_counter()
            if now - last[0] < 0.1:
                return
            last[0] = now
            said[0] = f"{counts['created']} invoices, {counts['done']} done, {counts['open']} open"
            update(sim_s, said[0])

        report: dict[str, Any] = run_scenario(scenario, options, progress)
        update(duration, said[0])
    return report


def summary_rows(report: dict[str, Any]) -> tuple[list[tuple[str, str]], list[str]]:
    """The summary's rows (figure, value) as people read them, and its footnotes: why a
    figure reads "—" ("no traffic after the fault")."""
    from ui.report.reasons import Notes, failover_reason, latency_reason  # after the run

    notes = Notes()
    invoices = report["invoices"]
    lat = report["latency_ms"]
    no_latency = latency_reason(report)

    def counts(*keys: str) -> str:
        # "—": a report from before that count was kept
        return " / ".join(fmt.count(invoices.get(k)) for k in keys)

    def latency(key: str) -> str:
        value = lat.get(key)
        return fmt.latency(value) if value is not None else notes.missing(no_latency)

    rows = [
        ("invoices created / paid / failed / expired / open",
         counts("created", "paid", "failed", "expired", "open")),
        ("invoices underpaid / overpaid (held for review)", counts("underpaid", "overpaid")),
        ("double pays / lost", f"{fmt.count(report['double_pays'])} / {fmt.count(report['lost'])}"),
        ("latency p50 / p95 / p99", " / ".join(latency(k) for k in ("p50", "p95", "p99"))),
        ("simulated / wall time",
         f"{fmt.duration(report['simulated_s'])} / {fmt.seconds(report['wall_s'])}"),
        ("throughput (invoices/s of wall time)", fmt.count(report["throughput_invoices_per_s"])),
        ("digest", report["digest"][:16]),
    ]  # fmt: skip
    for f in report["failover"]:
        spans = [
            fmt.seconds(f[key])
            if f.get(key) is not None
            else notes.missing(failover_reason(report, f, key))
            for key in ("time_to_detect_s", "time_to_failover_s", "time_to_failback_s")
        ]
        what = f"{f['provider']} {fmt.words(f.get('kind', 'fault'))}"
        rows.append((f"{what} detect / failover / failback", " / ".join(spans)))
    return rows, notes.lines()


def _print_summary(report: dict[str, Any]) -> None:
    out = Console()
    table = Table(title=f"{report['scenario']} (seed {report['seed']}, {report['shards']} shards)")
    table.add_column("figure")
    table.add_column("value", justify="right")
    rows, notes = summary_rows(report)
    for name, value in rows:
        table.add_row(escape(name), escape(value))
    out.print(table)
    for line in notes:
        out.print(escape(line), highlight=False)

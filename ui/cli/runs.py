"""`invoicesim runs list`, `invoicesim report RUN_ID`, `invoicesim compare A B`: recorded runs.

Each command opens the configured database (``DATABASE_URL`` or the embedded
server), applies any pending migration, asks ``storage.queries`` and prints.
A database that cannot be reached or an unknown run id exits with code 2.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, NoReturn, TypeVar

import typer
from rich import box
from rich.console import Console
from rich.table import Table

from actors.errors import InvoicesimError
from storage.queries import MAX_LIMIT, compare_runs, list_runs, run_report
from ui import formatting as fmt
from ui.cli.db import with_database
from ui.cli.exits import EXIT_BAD_INPUT
from ui.run_list import figure_name, figure_text, result_text, run_kind

runs_app = typer.Typer(
    name="runs",
    help="Runs recorded in the database: DATABASE_URL, or the embedded server.",
    no_args_is_help=True,
    add_completion=False,
)

T = TypeVar("T")


def _fail(exc: InvoicesimError | OSError) -> NoReturn:
    Console(stderr=True).print(f"[red]error:[/red] {exc}", highlight=False, soft_wrap=True)
    raise typer.Exit(EXIT_BAD_INPUT) from None


@runs_app.command("list")
def list_command(
    limit: Annotated[
        int, typer.Option(min=1, max=MAX_LIMIT, help="How many runs, newest first.")
    ] = 20,
) -> None:
    """List the recorded runs, newest first."""
    runs = with_database(lambda db: list_runs(db, limit), migrate=True)
    if not runs:
        typer.echo("no runs recorded yet (run one with: invoicesim run SCENARIO.yaml)")
        return
    table = Table(title="runs", box=box.SIMPLE_HEAD, collapse_padding=True, pad_edge=False)
    table.add_column("run", no_wrap=True)
    table.add_column("scenario", overflow="fold")
    table.add_column("kind")
    table.add_column("result")
    table.add_column("started (UTC)", no_wrap=True)
    for name in ("created", "paid", "double\npays", "inv/s"):
        table.add_column(name, justify="right")
    table.add_column("digest", no_wrap=True)
    for run in runs:
        table.add_row(
            run["run_id"],
            run["scenario_name"],
            run_kind(run["runtime"], run["shards"]),
            result_text(run["status"]),
            run["started_at"][:16].replace("T", " "),
            *(fmt.count(run[k]) for k in ("created", "paid", "double_pays")),
            fmt.count(run["throughput_invoices_per_s"]),
            (run["digest"] or fmt.MISSING)[:8],
        )
    # Piped output gets room for full run ids (rich assumes 80 columns when not a terminal).
    Console(width=None if sys.stdout.isatty() else 160).print(table)


def report_command(
    run_id: Annotated[str, typer.Argument(help="Run id, as `invoicesim runs list` shows.")],
    out: Annotated[
        Path | None, typer.Option(help="HTML file to write (default: runs/<run id>/report.html).")
    ] = None,
) -> None:
    """Rebuild a run's HTML report from the database."""
    from ui.report import render_report_html

    report = with_database(lambda db: run_report(db, run_id), migrate=True)
    target = out or Path("runs") / run_id / "report.html"
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(render_report_html(report), encoding="utf-8")
    except OSError as exc:
        _fail(exc)
    typer.echo(str(target))


def compare_command(
    run_a: Annotated[str, typer.Argument(help="The baseline run id (a).")],
    run_b: Annotated[str, typer.Argument(help="The run compared with it (b).")],
) -> None:
    """Compare two runs figure by figure; the difference is b - a."""
    found = with_database(lambda db: compare_runs(db, run_a, run_b), migrate=True)
    table = Table(title=f"a = {run_a}   b = {run_b}")
    table.add_column("figure")
    for name in ("a", "b", "b - a"):
        table.add_column(name, justify="right")
    for row in found["figures"]:
        name = row["figure"]
        table.add_row(
            figure_name(name),
            figure_text(name, row["a"]),
            figure_text(name, row["b"]),
            figure_text(name, row["difference"], signed=True),
        )
    console = Console()
    console.print(table)
    same = "equal" if found["digests_equal"] else "different"
    digest_a, digest_b = found["digest_a"] or fmt.MISSING, found["digest_b"] or fmt.MISSING
    console.print(f"digests {same}: a {digest_a}  b {digest_b}", highlight=False, soft_wrap=True)
    if any(row[k] is None for row in found["figures"] for k in ("a", "b")):
        console.print(
            f"{fmt.MISSING} in a or b: that run did not measure the figure (its report says why)",
            highlight=False,
        )

"""`invoicesim fuzz`: run generated scenarios, check every invariant, name the seeds that fail."""

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
from simulation.fuzz.runner import (
    DEFAULT_OUT,
    FuzzPlan,
    FuzzResult,
    FuzzSummary,
    failure_lines,
    run_fuzz,
    write_case,
)
from ui import formatting as fmt
from ui.cli.exits import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK
from ui.cli.progress import counting_progress

console = Console(stderr=True)

MAX_FAILURES_PRINTED = 20


def fuzz_command(
    seeds: Annotated[int, typer.Option(help="How many fuzz seeds to run, 1..100,000.")] = 100,
    start: Annotated[int, typer.Option(help="The first fuzz seed.")] = 0,
    runtime: Annotated[
        str, typer.Option(help="local: one run after another here; ray: runs as Ray tasks.")
    ] = "local",
    shards: Annotated[
        int | None,
        typer.Option(help="Shards of every run, 1..64 (default: drawn from each seed)."),
    ] = None,
    out: Annotated[
        Path, typer.Option(help="Where the scenarios of failing seeds are written.")
    ] = DEFAULT_OUT,
    workers: Annotated[
        int | None, typer.Option(help="Ray: runs in flight at once (default: twice the CPUs).")
    ] = None,
    ray_address: Annotated[
        str | None,
        typer.Option(help="Ray: join this cluster (default: RAY_ADDRESS, else a local Ray)."),
    ] = None,
    oracles: Annotated[
        bool,
        typer.Option(
            help="Also run each case the ways that must give the same run: without its "
            "actor_crash faults, and with a checkpoint every 7 windows."
        ),
    ] = True,
    ray_every: Annotated[
        int, typer.Option(help="Every Nth seed also runs on the Ray runtime (0: none).")
    ] = 0,
) -> None:
    """Generate a random scenario from each seed START .. START+SEEDS-1 (load, provider,
    custodian and actor faults, bulk CSVs with bad rows), run it, check every invariant and
    run it again the ways that must give the same digest and figures (without its crashes,
    with other checkpoints, on Ray); exit 0 if nothing differs or is violated, 1 if so,
    2 on bad arguments."""
    plan = FuzzPlan(
        start, seeds, shards, runtime, workers, ray_address, oracles=oracles, ray_every=ray_every
    )
    try:
        plan.check()
        with _progress(seeds, runtime) as on_result:
            summary = run_fuzz(plan, on_result)
        paths = {r.seed: write_case(r.seed, shards, out) for r in summary.failures}
    except (InvoicesimError, OSError) as error:
        console.print(f"[red]error:[/red] {escape(str(error))}", highlight=False)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    _print_summary(summary)
    for result in summary.failures[:MAX_FAILURES_PRINTED]:
        lines = failure_lines(result, shards, paths[result.seed])
        text = "[red]VIOLATION[/red] " + escape("\n".join(lines))
        console.print(text, highlight=False, soft_wrap=True)  # commands stay copyable
    more = len(summary.failures) - MAX_FAILURES_PRINTED
    if more > 0:
        console.print(f"... and {more} more failing seeds (scenarios in {out})")
    raise typer.Exit(EXIT_FAILED if summary.failures else EXIT_OK)


@contextmanager
def _progress(total: int, label: str) -> Iterator[Callable[[FuzzResult], None]]:
    """A bar of seeds done / total, with how many violated an invariant so far."""
    with counting_progress(console, f"fuzz ({label})", "seeds", "violating", total) as done:
        yield lambda result: done(result.passed)


def _print_summary(summary: FuzzSummary) -> None:
    plan = summary.plan
    last = plan.start + plan.seeds - 1
    table = Table(title=f"fuzz seeds {plan.start}..{last}")
    table.add_column("figure")
    table.add_column("value", justify="right")
    table.add_row("seeds run", fmt.count(len(summary.results)))
    table.add_row("violations (seeds)", fmt.count(len(summary.failures)))
    table.add_row("invoices", fmt.count(sum(r.invoices for r in summary.results)))
    table.add_row("wall time", fmt.seconds(summary.wall_s))
    table.add_row("seeds / s", f"{summary.seeds_per_s:.1f}")
    Console().print(table)

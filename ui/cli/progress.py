"""Progress bars: of many runs (a sweep's grid, a fuzz's seeds) counting the failures, and
of one run's simulated time (``run``, ``drive``, ``exercise``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn


@contextmanager
def counting_progress(
    console: Console, title: str, unit: str, failed_word: str, total: int
) -> Iterator[Callable[[bool], None]]:
    """A bar of ``unit`` done / ``total``; call the yielded function with each one's verdict."""
    failed = 0
    with Progress(
        TextColumn(f"[bold]{title}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn(f"{unit}, {{task.fields[failed]}} {failed_word}"),
        TimeElapsedColumn(),
        console=console,
    ) as bar:
        task = bar.add_task(title, total=total, failed=0)

        def done(passed: bool) -> None:
            nonlocal failed
            failed += not passed
            bar.update(task, advance=1, failed=failed)

        yield done


@contextmanager
def simulated_progress(
    console: Console, title: str, total_s: float
) -> Iterator[Callable[[float, str], None]]:
    """A bar of simulated seconds out of ``total_s``; call the yielded function with the
    simulated time and what to say beside it (counts)."""
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("sim {task.completed:.0f}/{task.total:.0f} s"),
        TextColumn("{task.fields[counts]}"),
        TimeElapsedColumn(),
        console=console,
    ) as bar:
        task = bar.add_task(title, total=total_s, counts="")

        def update(sim_s: float, counts: str) -> None:
            bar.update(task, completed=min(sim_s, total_s), counts=counts)

        yield update

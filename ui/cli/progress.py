"""A progress bar of many runs (a sweep's grid, a fuzz's seeds) that counts the failures."""

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

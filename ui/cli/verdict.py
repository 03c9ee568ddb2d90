"""How a command that ran a scenario ends (``run``, ``exercise``): report.json and
report.html written, its summary and where the report is, the run it was recorded as,
every failure named, and the exit code of the verdict."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from simulation.report.verdict import failures
from ui.cli.exits import EXIT_FAILED, EXIT_OK


def report_and_exit(
    console: Console,
    report: dict[str, Any],
    out_dir: Path,
    summary: Callable[[dict[str, Any]], None],
) -> NoReturn:
    """Write the report to ``out_dir``, print ``summary`` and the verdict; exit 0 if every
    assertion and invariant held, else 1."""
    from ui.report import render_report_html  # draws charts: imported when a run ends

    (out_dir / "report.json").write_text(json.dumps(report, indent=2, default=str) + "\n")
    (out_dir / "report.html").write_text(render_report_html(report), encoding="utf-8")
    summary(report)
    console.print(f"report: {out_dir / 'report.html'}  ({out_dir / 'report.json'})")
    if "run_id" in report:
        console.print(f"recorded as run {report['run_id']} (invoicesim report {report['run_id']})")
    failed = failures(report)
    for line in failed:
        console.print(f"[red]FAILED[/red] {escape(line)}", highlight=False)
    raise typer.Exit(EXIT_FAILED if failed else EXIT_OK)

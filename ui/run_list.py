"""Recorded runs as people read them, on the dashboards and the command line: what kind
of run each is, how it ended, a row of the runs table, a label to pick one by, and a
figure two runs are compared on, named in words and written by what it measures.
Plain functions of plain values: no Streamlit, no rich. A run is a mapping with the
fields of ``storage.queries.RunSummary`` (as the API answers ``GET /runs``)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from storage.queries import Value
from ui import formatting as fmt

Run = Mapping[str, Any]

RESULTS = {
    "passed": "passed",
    "failed": "failed",
    "running": "running",
    "stopped": "stopped",
    "error": "stopped by an error",
}
SHORT_ID = 8  # characters of a run id in a table: enough to tell runs apart

# The figures of a comparison (storage.queries.compare) that words name better.
_FIGURE_NAMES = {
    "double_pays": "double charges",
    "lost": "lost invoices",
    "throughput_invoices_per_s": "throughput (invoices/s)",
}
_FAILOVER = re.compile(r"^failover (?P<fault>.+): time_to_(?P<what>detect|failover|failback)_s$")
_SPANS = {
    "detect": "time to detect",
    "failover": "time to fail over",
    "failback": "time to fail back",
}


def result_text(status: str) -> str:
    """How a run ended, in words: ``error`` -> ``stopped by an error``."""
    return RESULTS.get(status, fmt.words(status))


def run_kind(runtime: str, shards: int) -> str:
    """``local``, 1 shard -> ``simulated``; ``ray``, 2 -> ``simulated on Ray, 2 shards``;
    ``exercise`` -> ``exercised over HTTP``."""
    many = f"{shards} shards" if shards != 1 else "1 shard"
    if runtime == "local":
        return "simulated" if shards == 1 else f"simulated, {many}"
    if runtime == "ray":
        return f"simulated on Ray, {many}"
    if runtime == "exercise":
        return "exercised over HTTP"
    if runtime == "emulators":
        return "emulators only"
    return fmt.words(runtime)


def started_text(iso: str | None) -> str:
    """``2026-12-05T17:45:08.348+00:00`` -> ``2026-12-05 17:45 UTC``."""
    if not iso:
        return fmt.MISSING
    try:
        return datetime.fromisoformat(iso).strftime("%Y-%m-%d %H:%M UTC")
    except ValueError:
        return iso  # written by something else: shown as it is


def took_text(run: Run) -> str:
    """The run's wall time from start to end; ``running`` while it runs."""
    if run["ended_at"] is None:
        return "running" if run["status"] == "running" else fmt.MISSING
    span = datetime.fromisoformat(run["ended_at"]) - datetime.fromisoformat(run["started_at"])
    return fmt.duration(max(0.0, span.total_seconds()))


def run_row(run: Run) -> dict[str, str]:
    """One run as a row of the runs table, every cell text."""
    return {
        "Scenario": run["scenario_name"],
        "Kind": run_kind(run["runtime"], run["shards"]),
        "Result": result_text(run["status"]),
        "Started": started_text(run["started_at"]),
        "Took": took_text(run),
        "Invoices": fmt.count(run["created"]),
        "Paid": fmt.count(run["paid"]),
        "Double charges": fmt.count(run["double_pays"]),
        "Invoices/s": fmt.count(run["throughput_invoices_per_s"]),
        "Run": run["run_id"][:SHORT_ID],
    }


def run_label(run: Run) -> str:
    """One run to pick from a list: ``fast · exercised over HTTP · 2026-12-05 17:45 UTC ·
    passed · cba47027``."""
    result = result_text(run["status"])
    kind = run_kind(run["runtime"], run["shards"])
    started = started_text(run["started_at"])
    return f"{run['scenario_name']} · {kind} · {started} · {result} · {run['run_id'][:SHORT_ID]}"


def figure_name(figure: str) -> str:
    """A compared figure in words: ``invoices.created`` -> ``invoices created``;
    ``latency_ms.p99`` -> ``payment latency p99``; ``failover tempo outage at 4 s:
    time_to_detect_s`` -> ``tempo outage at 4 s: time to detect``; ``invariant
    money_conserved`` -> ``invariant: money conserved``."""
    if figure in _FIGURE_NAMES:
        return _FIGURE_NAMES[figure]
    if figure.startswith("latency_ms."):
        return f"payment latency {figure.removeprefix('latency_ms.')}"
    if figure.startswith("invoices."):
        return f"invoices {fmt.words(figure.removeprefix('invoices.'))}"
    failover = _FAILOVER.match(figure)
    if failover is not None:
        return f"{fmt.words(failover['fault'])}: {_SPANS[failover['what']]}"
    for check in ("invariant", "assertion"):
        if figure.startswith(f"{check} "):
            return f"{check}: {fmt.words(figure.removeprefix(check + ' '))}"
    return fmt.words(figure)


def figure_text(figure: str, value: Value, signed: bool = False) -> str:
    """A compared figure as people read it, by what it measures: latency in ms, spans in
    seconds, throughput and counts with separators, checks as pass / FAIL, "—" when the
    run has no such figure; a difference with its sign."""
    if value is None:
        return fmt.MISSING
    if isinstance(value, bool):
        return "pass" if value else "FAIL"
    if isinstance(value, str):
        return value
    if "latency_ms" in figure:
        text = fmt.latency(abs(value)) if signed else fmt.latency(value)
    elif "throughput" in figure:
        text = fmt.count(abs(value)) if signed else fmt.count(value)
    elif figure.endswith("_s"):
        text = fmt.seconds(abs(value)) if signed else fmt.seconds(value)
    else:
        text = fmt.cell(abs(value) if signed else value)
    if not signed or value == 0:
        return text
    return ("+" if value > 0 else "-") + text


def compared_rows(figures: list[Any]) -> list[dict[str, str]]:
    """A comparison's figures as table rows: the figure in words, each run's value and
    the difference, written by what the figure measures."""
    return [
        {
            "Figure": figure_name(f["figure"]),
            "Run A": figure_text(f["figure"], f["a"]),
            "Run B": figure_text(f["figure"], f["b"]),
            "B - A": figure_text(f["figure"], f["difference"], signed=True),
        }
        for f in figures
    ]

"""A sweep as one self-contained HTML page: inline CSS and SVG, nothing fetched.

Two heatmaps (Altair, as every chart of invoicesim) put the first parameter down
the side and the second across the top; runs that share those two values (other
parameters, seeds) are aggregated into one square. The first shows the time to
failover of the first fault as the median over those runs with its spread
(min to max); the second the double pays, summed. A table then lists every cell
of the full grid, and the failed runs with what failed in each: every assertion
and invariant with its value and limit, or the error the run stopped on. Every
string is escaped: parameter values and errors come from users.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

from simulation.sweep.runner import RunRow, SweepResult, Value
from ui import formatting as fmt
from ui.report import charts
from ui.report.embed import figure
from ui.report.page import html_page

MAX_FAILURES_SHOWN = 50
FAST, SLOW = "#dcfce7", "#f97316"  # fastest failover .. slowest
NONE, SOME = "#dcfce7", "#dc2626"  # no double pay .. the most

CSS = """
figure.chart{margin:8px 0 16px;background:#fff;border:1px solid #e2e8f0;border-radius:6px;
padding:8px;overflow-x:auto}
figure.chart svg{max-width:100%;height:auto;display:block}
figcaption{color:#475569;font-size:13px;margin-top:4px}
ul.failed{margin:0;padding-left:16px}ul.failed li{color:#b91c1c}
"""


@dataclass(frozen=True)
class CellStats:
    """Runs that share their first ``len(values)`` parameter values, aggregated."""

    values: tuple[Value, ...]
    runs: int
    passed: int
    failover_s: tuple[float, ...]  # measured times to failover, ascending
    double_pays: int

    @property
    def median_failover_s(self) -> float | None:
        return statistics.median(self.failover_s) if self.failover_s else None

    @property
    def not_measured(self) -> int:
        return self.runs - len(self.failover_s)


def cell_stats(rows: Sequence[RunRow], key_params: int) -> list[CellStats]:
    """Group rows by their first ``key_params`` values, in grid order."""
    groups: dict[tuple[Value, ...], list[RunRow]] = {}
    for row in sorted(rows, key=lambda r: r.index):
        groups.setdefault(row.values[:key_params], []).append(row)
    return [
        CellStats(
            values=key,
            runs=len(group),
            passed=sum(r.passed for r in group),
            failover_s=tuple(
                sorted(r.time_to_failover_s for r in group if r.time_to_failover_s is not None)
            ),
            double_pays=sum(r.double_pays for r in group),
        )
        for key, group in groups.items()
    ]


def render_sweep_html(result: SweepResult) -> str:
    """One page that opens offline: header, two heatmaps, every cell, failed runs."""
    params = result.plan.params
    axes = cell_stats(result.rows, min(2, len(params)))
    body = [
        _header(result),
        "<h2>Time to failover of the first fault</h2>",
        figure(
            _heatmap(result, axes, "failover"),
            "failover-heatmap",
            "In each square, the median over its runs; under it the spread (min to max), how "
            "many runs it counts and how many of them failed or did not fail over; "
            '"—" where no run failed over (or there is no fault). Colour: the median, pale for '
            "the fastest.",
        ),
        "<h2>Double pays (sum over runs)</h2>",
        figure(
            _heatmap(result, axes, "double_pays"),
            "double-pays-heatmap",
            "Green: none; red: at least one.",
        ),
        _every_cell(result),
        _failed_runs(result),
    ]
    return html_page(f"invoicesim sweep: {result.plan.scenario.name}", CSS, body)


def value_text(value: Value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def spread(cell: CellStats) -> str:
    """``0.31`` to ``0.45 s`` joined by an en dash; "—" when no run of the cell measured it."""
    if not cell.failover_s:
        return fmt.MISSING
    low, high = fmt.seconds(cell.failover_s[0]), fmt.seconds(cell.failover_s[-1])
    return f"{low.removesuffix(' s')}{fmt.RANGE_DASH}{high}" if low != high else low


def _header(result: SweepResult) -> str:
    plan = result.plan
    failed = len(result.failures)
    verdict = (
        '<span class="verdict pass">ALL PASSED</span>'
        if not failed
        else f'<span class="verdict fail">{failed} FAILED</span>'
    )
    params = "".join(
        f"<li><code>{escape(p.path)}</code> = "
        f"{escape(', '.join(value_text(v) for v in p.values))}</li>"
        for p in plan.params
    )
    seeds = f"{plan.seeds[0]}..{plan.seeds[-1]}" if len(plan.seeds) > 1 else str(plan.seeds[0])
    return (
        f"<h1>Sweep: {escape(plan.scenario.name)} {verdict}</h1>"
        f'<p class="meta">{plan.cells} cells x {len(plan.seeds)} seeds ({escape(seeds)}) = '
        f"{len(result.rows)} runs; {failed} failed; {escape(fmt.seconds(result.wall_s))} of "
        f"wall time. Source: {escape(plan.scenario.source)}</p>"
        f"<ul>{params or '<li>no parameters: seeds only</li>'}</ul>"
    )


def heat_cells(result: SweepResult, axes: Sequence[CellStats], kind: str) -> list[dict[str, Any]]:
    """A square per combination of the first two parameters' values, in grid order."""
    params = result.plan.params
    by_key = {cell.values: cell for cell in axes}
    row_values: Sequence[Value | None] = params[0].values if params else [None]
    col_values: Sequence[Value | None] = params[1].values if len(params) > 1 else [None]
    out = []
    for rv in row_values:
        for cv in col_values:
            cell = by_key.get(tuple(v for v in (rv, cv) if v is not None))
            square: dict[str, Any] = {
                "row": "all runs" if rv is None else value_text(rv),
                "column": "all runs" if cv is None else value_text(cv),
                "value": None,
                "text": fmt.MISSING,
                "detail": "",
            }
            if cell is not None and kind == "failover":
                median = cell.median_failover_s
                square["value"] = median
                square["text"] = fmt.seconds(median)
                if median is not None:
                    square["detail"] = f"{spread(cell)} · {_runs(cell)}"
            elif cell is not None:
                square["value"] = cell.double_pays
                square["text"] = fmt.count(cell.double_pays)
                square["detail"] = _runs(cell)
            out.append(square)
    return out


def _runs(cell: CellStats) -> str:
    """``2 runs, 1 failed, 1 not measured``: what a square counts."""
    said = [f"{cell.runs} run{'' if cell.runs == 1 else 's'}"]
    if cell.passed < cell.runs:
        said.append(f"{cell.runs - cell.passed} failed")
    if cell.not_measured:
        said.append(f"{cell.not_measured} not measured")
    return ", ".join(said)


def _heatmap(result: SweepResult, axes: Sequence[CellStats], kind: str) -> Any:
    params = result.plan.params
    rows_title = params[0].path if params else ""
    columns_title = params[1].path if len(params) > 1 else ""
    cells = heat_cells(result, axes, kind)
    if kind == "failover":
        return charts.heatmap(cells, rows_title, columns_title, "median s", (FAST, SLOW))
    if all((c["value"] or 0) == 0 for c in cells):
        return charts.heatmap(
            cells, rows_title, columns_title, "double pays", (NONE, NONE), legend=False
        )
    return charts.heatmap(cells, rows_title, columns_title, "double pays", (NONE, SOME))


def _every_cell(result: SweepResult) -> str:
    params = result.plan.params
    cells = cell_stats(result.rows, len(params))
    head = "".join(f"<th>{escape(p.path)}</th>" for p in params)
    lines = [
        "<h2>Every cell</h2><table><tr>",
        head,
        "<th>runs passed</th><th>failover median</th><th>failover min to max</th>"
        "<th>not measured</th><th>double pays</th></tr>",
    ]
    for cell in cells:
        values = "".join(f"<td>{escape(value_text(v))}</td>" for v in cell.values)
        css = "" if cell.passed == cell.runs else ' class="fail"'
        lines.append(
            f"<tr{css}>{values}<td class='n'>{cell.passed} / {cell.runs}</td>"
            f"<td class='n'>{escape(fmt.seconds(cell.median_failover_s))}</td>"
            f"<td class='n'>{escape(spread(cell))}</td>"
            f"<td class='n'>{cell.not_measured}</td><td class='n'>{cell.double_pays:,}</td></tr>"
        )
    return "".join(lines) + "</table>"


def _what_failed(row: RunRow) -> str:
    lines = [row.error] if row.error else list(row.failed)
    if not lines:
        return fmt.MISSING
    return '<ul class="failed">' + "".join(f"<li>{escape(x)}</li>" for x in lines) + "</ul>"


def _failed_runs(result: SweepResult) -> str:
    failures = result.failures
    if not failures:
        return ""
    params = result.plan.params
    head = "".join(f"<th>{escape(p.path)}</th>" for p in params)
    lines = [f"<h2>Failed runs ({len(failures)})</h2><table><tr><th>run</th>{head}<th>seed</th>"]
    lines.append("<th>double pays</th><th>lost</th><th>what failed</th></tr>")
    for row in failures[:MAX_FAILURES_SHOWN]:
        values = "".join(f"<td>{escape(value_text(v))}</td>" for v in row.values)
        lines.append(
            f"<tr class='fail'><td class='n'>{row.index}</td>{values}<td class='n'>{row.seed}</td>"
            f"<td class='n'>{row.double_pays:,}</td><td class='n'>{row.lost:,}</td>"
            f"<td>{_what_failed(row)}</td></tr>"
        )
    if len(failures) > MAX_FAILURES_SHOWN:
        more = len(failures) - MAX_FAILURES_SHOWN
        lines.append(f"<tr><td colspan='99'>... and {more} more (see sweep.csv)</td></tr>")
    return "".join(lines) + "</table>"

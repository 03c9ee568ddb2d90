"""A sweep as one self-contained HTML page: inline CSS, nothing fetched.

Two heatmaps put the first parameter down the side and the second across the
top; runs that share those two values (other parameters, seeds) are
aggregated into one square. The first shows the time to failover of the first
fault as the median over those runs with its spread (min-max); the second the
double pays, summed. A table then lists every cell of the full grid, and the
failed runs. Every string is escaped: parameter values and errors come from
users. A value that could not be measured reads "not measured".
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

from simulation.report.page import NOT_MEASURED, html_page
from simulation.sweep.runner import RunRow, SweepResult, Value

MAX_FAILURES_SHOWN = 50
LOW_RGB, HIGH_RGB = (220, 252, 231), (254, 202, 202)  # fastest failover .. slowest

CSS = """
table.heat td{text-align:center;min-width:96px}.big{font-size:16px;font-weight:600}
.small{font-size:11px;color:#475569}
td.bad{background:#fecaca}td.good{background:#dcfce7}
.legend{display:flex;gap:16px;flex-wrap:wrap;align-items:center;color:#334155;margin:4px 0}
.ramp{display:inline-block;width:120px;height:12px;border:1px solid #cbd5e1;vertical-align:middle;
background:linear-gradient(90deg,rgb(220,252,231),rgb(254,202,202))}
.sw{display:inline-block;width:12px;height:12px;border:1px solid #cbd5e1;vertical-align:middle}
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


Render = Callable[[CellStats], str]


def render_sweep_html(result: SweepResult) -> str:
    """One page that opens offline: header, two heatmaps, every cell, failed runs."""
    params = result.plan.params
    axes = cell_stats(result.rows, min(2, len(params)))
    body = [
        _header(result),
        "<h2>Time to failover of the first fault (s)</h2>",
        _failover_legend(axes),
        _heatmap(result, axes, _failover_renderer(axes)),
        "<h2>Double pays (sum over runs)</h2>",
        '<div class="legend"><span><span class="sw" style="background:#dcfce7"></span> none'
        '</span><span><span class="sw" style="background:#fecaca"></span> at least one'
        "</span></div>",
        _heatmap(result, axes, _double_pays_cell),
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


def _seconds(value: float | None) -> str:
    return NOT_MEASURED if value is None else f"{value:.3f}"


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
        f"{len(result.rows)} runs; {failed} failed; {result.wall_s:.1f} s of wall time. "
        f"Source: {escape(plan.scenario.source)}</p>"
        f"<ul>{params or '<li>no parameters: seeds only</li>'}</ul>"
    )


def _failover_legend(axes: Sequence[CellStats]) -> str:
    medians = [m for c in axes if (m := c.median_failover_s) is not None]
    ramp = (
        f'<span>{min(medians):.3f} s <span class="ramp"></span> {max(medians):.3f} s '
        "(colour: the median)</span>"
        if medians
        else ""
    )
    return (
        '<div class="legend"><span><span class="big">median</span> over the runs of a square; '
        '<span class="small">[min-max]</span> its spread; "not measured" when no run failed '
        "over (or there is no fault)</span>"
        f"{ramp}</div>"
    )


def _ramp(value: float, low: float, high: float) -> str:
    share = 0.0 if high <= low else (value - low) / (high - low)
    rgb = (round(a + (b - a) * share) for a, b in zip(LOW_RGB, HIGH_RGB, strict=True))
    return "rgb({},{},{})".format(*rgb)


def _failover_renderer(axes: Sequence[CellStats]) -> Render:
    """A square of the failover heatmap, coloured within the range of all the medians."""
    medians = [m for c in axes if (m := c.median_failover_s) is not None]
    low, high = (min(medians), max(medians)) if medians else (0.0, 0.0)

    def render(cell: CellStats) -> str:
        median = cell.median_failover_s
        if median is None:
            return f"<td>{NOT_MEASURED}</td>"
        spread = f"[{cell.failover_s[0]:.3f}-{cell.failover_s[-1]:.3f}]"
        missing = (
            f'<br><span class="small">{cell.not_measured} of {cell.runs} not measured</span>'
            if cell.not_measured
            else ""
        )
        return (
            f'<td style="background:{_ramp(median, low, high)}">'
            f'<span class="big">{median:.3f}</span><br>'
            f'<span class="small">{spread} over {len(cell.failover_s)} runs</span>{missing}</td>'
        )

    return render


def _double_pays_cell(cell: CellStats) -> str:
    kind = "bad" if cell.double_pays else "good"
    return f'<td class="n {kind}"><span class="big">{cell.double_pays}</span></td>'


def _heatmap(result: SweepResult, axes: Sequence[CellStats], render: Render) -> str:
    params = result.plan.params
    by_key = {cell.values: cell for cell in axes}
    row_values: Sequence[Value | None] = params[0].values if params else [None]
    col_values: Sequence[Value | None] = params[1].values if len(params) > 1 else [None]
    arrows = ("↓ rows", "→ columns")
    corner = "<br>".join(f"{escape(p.path)} {arrows[i]}" for i, p in enumerate(params[:2]))
    head = "".join(f"<th>{'all' if v is None else escape(value_text(v))}</th>" for v in col_values)
    lines = [f'<table class="heat"><tr><th>{corner or "all runs"}</th>{head}</tr>']
    for rv in row_values:
        cells = []
        for cv in col_values:
            key = tuple(v for v in (rv, cv) if v is not None)
            cell = by_key.get(key)
            cells.append(render(cell) if cell is not None else f"<td>{NOT_MEASURED}</td>")
        label = "all" if rv is None else escape(value_text(rv))
        lines.append(f"<tr><th>{label}</th>{''.join(cells)}</tr>")
    return "".join(lines) + "</table>"


def _every_cell(result: SweepResult) -> str:
    params = result.plan.params
    cells = cell_stats(result.rows, len(params))
    head = "".join(f"<th>{escape(p.path)}</th>" for p in params)
    lines = [
        "<h2>Every cell</h2><table><tr>",
        head,
        "<th>runs passed</th><th>failover median s</th><th>failover min-max s</th>"
        "<th>not measured</th><th>double pays</th></tr>",
    ]
    for cell in cells:
        values = "".join(f"<td>{escape(value_text(v))}</td>" for v in cell.values)
        spread = (
            f"{cell.failover_s[0]:.3f}-{cell.failover_s[-1]:.3f}"
            if cell.failover_s
            else NOT_MEASURED
        )
        css = "" if cell.passed == cell.runs else ' class="fail"'
        lines.append(
            f"<tr{css}>{values}<td class='n'>{cell.passed} / {cell.runs}</td>"
            f"<td class='n'>{_seconds(cell.median_failover_s)}</td><td class='n'>{spread}</td>"
            f"<td class='n'>{cell.not_measured}</td><td class='n'>{cell.double_pays}</td></tr>"
        )
    return "".join(lines) + "</table>"


def _failed_runs(result: SweepResult) -> str:
    failures = result.failures
    if not failures:
        return ""
    params = result.plan.params
    head = "".join(f"<th>{escape(p.path)}</th>" for p in params)
    lines = [f"<h2>Failed runs ({len(failures)})</h2><table><tr><th>run</th>{head}<th>seed</th>"]
    lines.append("<th>double pays</th><th>lost</th><th>error</th></tr>")
    for row in failures[:MAX_FAILURES_SHOWN]:
        values = "".join(f"<td>{escape(value_text(v))}</td>" for v in row.values)
        lines.append(
            f"<tr class='fail'><td class='n'>{row.index}</td>{values}<td class='n'>{row.seed}</td>"
            f"<td class='n'>{row.double_pays}</td><td class='n'>{row.lost}</td>"
            f"<td>{escape(row.error) or 'an assertion or invariant failed'}</td></tr>"
        )
    if len(failures) > MAX_FAILURES_SHOWN:
        more = len(failures) - MAX_FAILURES_SHOWN
        lines.append(f"<tr><td colspan='99'>... and {more} more (see sweep.csv)</td></tr>")
    return "".join(lines) + "</table>"

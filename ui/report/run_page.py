"""The run report as one self-contained HTML page: inline CSS and SVG, nothing fetched.

Read from ``report.json`` alone (or the same report from the database), so a
recorded run's page can be drawn again later. Every string taken from the report
is escaped: scenario names, alert messages and CSV row errors come from users
and files. Figures are written by ``ui.formatting`` (money as money, seconds to
a sensible precision, "—" for a figure that does not apply, with the reason in a
footnote where there is one); charts are drawn by ``ui.report.charts``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape
from typing import Any

from simulation.report.verdict import failures, verdict
from ui import formatting as fmt
from ui.dashboard.palette import colour, ordered
from ui.report import charts
from ui.report.embed import figure
from ui.report.page import html_page
from ui.report.reasons import Notes, failover_reason, latency_reason
from ui.report.story import (
    Fault,
    TimeAxis,
    fault_window,
    faults_of,
    reached,
    story_buckets,
    time_axis,
)
from ui.run_list import run_kind, started_text

MAX_ROW_ERRORS_SHOWN = 50  # per bulk job
OPS = {"<": "<", "<=": "≤", "==": "=", "!=": "≠", ">=": "≥", ">": ">"}
CSS = """
.tiles{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:8px}
.tile{background:#fff;border:1px solid #e2e8f0;border-radius:6px;padding:8px 10px}
.tile .v{font-size:18px;font-weight:600}.tile .k{color:#64748b;font-size:12px}
tr.pass .status{color:#15803d;font-weight:700}
tr.fail .status{color:#b91c1c;font-weight:700}
.sw{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:6px}
figure.chart{margin:8px 0 16px;background:#fff;border:1px solid #e2e8f0;border-radius:6px;
padding:8px;overflow-x:auto}
figure.chart svg{max-width:100%;height:auto;display:block}
figcaption{color:#475569;font-size:13px;margin-top:4px}
.failed{background:#fef2f2;border:1px solid #fecaca;border-radius:6px;padding:6px 12px;
margin-bottom:12px}
.failed li{color:#b91c1c}
.notes{color:#475569;font-size:12px;margin:2px 0 8px;padding:0;list-style:none}
.no-data{color:#94a3b8;font-style:italic;padding:8px 0}
li.breach{color:#b91c1c}li.warning{color:#b45309}
"""


def render_report_html(report: dict[str, Any]) -> str:
    """One page that opens offline: header, tiles, charts, tables, reserves, bulk imports."""
    names = _providers_of(report)
    faults = faults_of(report)
    axis = time_axis(report, faults)
    body = [
        _header(report),
        _tiles(report),
        _timeline(report, axis, faults, names),
        _failover(report, faults, names),
        _providers(report, names),
        _checks(report),
        _recoveries(report),
        _reserves(report, axis, faults, names),
        _bulk(report),
    ]
    return html_page(f"invoicesim report: {report.get('scenario', '')}", CSS, body)


def _providers_of(report: dict[str, Any]) -> list[str]:
    names = {*(report.get("providers") or {})}
    names |= {str(r.get("provider")) for r in report.get("failover") or []}
    names |= {n for r in (report.get("series") or {}).get("rows") or [] for n in r["share"]}
    return ordered(sorted(names))


# ---- cells -------------------------------------------------------------------------------
def _text(value: object) -> str:
    return escape(fmt.cell(value))


def _swatch(name: str, names: list[str]) -> str:
    return (
        f'<span class="sw" data-provider="{escape(name)}" '
        f'style="background:{colour(name, names)}"></span>{escape(name)}'
    )


def _table(
    head: Sequence[str], rows: Iterable[Sequence[str]], classes: Sequence[str] = (), right: int = 1
) -> str:
    """Cells are HTML already; columns from index ``right`` on are numbers, right-aligned."""
    th = "".join(f"<th>{escape(h)}</th>" for h in head)
    out = []
    for i, row in enumerate(rows):
        cls = f' class="{classes[i]}"' if i < len(classes) else ""
        cells = "".join(f'<td class="n">{c}</td>' if j >= right else f"<td>{c}</td>"
                        for j, c in enumerate(row))  # fmt: skip
        out.append(f"<tr{cls}>{cells}</tr>")
    if not out:
        return '<p class="no-data">none</p>'
    return f"<table><thead><tr>{th}</tr></thead><tbody>{''.join(out)}</tbody></table>"


def _notes(notes: Notes) -> str:
    lines = "".join(f"<li>{escape(line)}</li>" for line in notes.lines())
    return f'<ul class="notes">{lines}</ul>' if lines else ""


def metric_value(metric: str, value: float | None) -> str:
    """An assertion's value or limit as its metric reads: a share in %, latency in ms,
    a span in seconds, a discrepancy in basis points, else a count."""
    if value is None:
        return fmt.MISSING
    if metric in ("success_rate", "provider_share"):
        return fmt.percent(value, 2)
    if metric.endswith("_ms"):
        return fmt.latency(value)
    if metric.endswith("_s"):
        return fmt.seconds(value)
    if metric.endswith("_bp"):
        return fmt.basis_points(round(value))
    return fmt.count(value)


# ---- sections ----------------------------------------------------------------------------
def _header(report: dict[str, Any]) -> str:
    ok = verdict(report)
    badge = f'<span class="verdict {"pass" if ok else "fail"}">{"PASS" if ok else "FAIL"}</span>'
    runtime, shards = report.get("runtime"), report.get("shards")
    kind = run_kind(str(runtime), int(shards or 1)) if runtime else None
    facts = [
        ("seed", report.get("seed")),
        ("kind", kind),
        ("started", started_text(report.get("started_at"))),
        ("digest", report.get("digest")),
    ]
    if "run_id" in report:
        facts.insert(0, ("run", report["run_id"]))
    meta = " · ".join(f"{escape(k)} <b>{_text(v)}</b>" for k, v in facts)
    failed = "".join(f"<li>{escape(line)}</li>" for line in failures(report))
    return (
        f"<header><h1>{_text(report.get('scenario'))} {badge}</h1>"
        f'<p class="meta">{meta}</p>'
        + (f'<div class="failed"><b>What failed</b><ul>{failed}</ul></div>' if failed else "")
        + "</header>"
    )


def _tiles(report: dict[str, Any]) -> str:
    invoices = report.get("invoices") or {}
    lat = report.get("latency_ms") or {}
    clock = report.get("clock") or {}
    notes = Notes()
    no_latency = latency_reason(report)

    def latency(key: str) -> str:
        value = lat.get(key)
        return escape(fmt.latency(value)) if value is not None else notes.missing(no_latency)

    paced = clock.get("mode") == "paced"
    tiles = [
        ("simulated", escape(fmt.duration(report.get("simulated_s")))),
        ("wall clock", escape(fmt.seconds(report.get("wall_s")))),
        ("throughput per wall s",
         escape(f"{fmt.count(report.get('throughput_invoices_per_s'))} invoices/s")),
        *((f"invoices {k}", _text(invoices.get(k))) for k in ("created", "paid", "failed")),
        *((f"invoices {k}", _text(invoices.get(k))) for k in ("expired", "underpaid", "overpaid")),
        ("invoices open", _text(invoices.get("open"))),
        ("double pays", _text(report.get("double_pays"))),
        ("lost", _text(report.get("lost"))),
        ("late payments", _text(report.get("late_payments"))),
        *((f"latency {k}", latency(k)) for k in ("p50", "p95", "p99")),
        ("clock", escape(fmt.words(clock.get("mode")))),
        ("clock drift max", escape(fmt.seconds(clock.get("drift_max_s"))) if paced
         else notes.missing("a virtual clock does not drift")),
        ("windows", _text(report.get("windows"))),
        ("stopped by", escape(fmt.words(report.get("stopped_by")))),
    ]  # fmt: skip
    cells = "".join(
        f'<div class="tile"><div class="v">{v}</div><div class="k">{escape(k)}</div></div>'
        for k, v in tiles
    )
    return f'<section class="tiles">{cells}</section>' + _notes(notes)


def _timeline(report: dict[str, Any], axis: TimeAxis, faults: list[Fault], names: list[str]) -> str:
    buckets = story_buckets(report, axis)
    if not any(b.created or b.paid or b.failed for b in buckets):
        return '<h2>Over simulated time</h2><p class="no-data">no invoices: nothing to draw</p>'
    story = fmt.clock(axis.story_end_s)
    if axis.compressed:
        drain = fmt.duration(axis.end_s - axis.story_end_s)
        said = (
            f"The load and the faults take 00:00 to {story}; the {drain} after them, while the "
            f"invoices still open ended with no new load (the drain, to {fmt.clock(axis.end_s)}),"
            " are compressed into the grey band at the right."
        )
    elif axis.drain is not None:
        said = (
            f"The load and the faults take 00:00 to {story}; after them, in grey, the drain to "
            f"{fmt.clock(axis.end_s)}: invoices still open ended with no new load."
        )
    else:
        said = f"The load and the faults take the whole run, 00:00 to {fmt.clock(axis.end_s)}."
    said += " Each fault is shaded on every chart and named on its own row at the top."
    chart = charts.timeline(buckets, axis, faults, names)
    return "<h2>Over simulated time</h2>" + figure(chart, "timeline", escape(said))


def _fault_of(row: dict[str, Any], faults: list[Fault], used: set[int]) -> Fault:
    """The run's fault a failover row measures (provider, kind, start), else one made of it."""
    for fault in faults:
        if (
            fault.index not in used
            and fault.target == row.get("provider")
            and fault.kind == str(row.get("kind", fault.kind))
            and fault.start_s == float(row.get("fault_start_s") or 0.0)
        ):
            used.add(fault.index)
            return fault
    end = row.get("fault_end_s")
    return Fault(
        str(row.get("provider")),
        str(row.get("kind", "fault")),
        float(row.get("fault_start_s") or 0.0),
        None if end is None else float(end),
        len(faults) + len(used),
    )


def _failover(report: dict[str, Any], faults: list[Fault], names: list[str]) -> str:
    every = report.get("failover") or []
    rows = [r for r in every if reached(report, r.get("fault_start_s"))]
    unreached = [
        f"{r.get('provider')} {fmt.words(str(r.get('kind', 'fault')))} at "
        f"{fmt.clock(r.get('fault_start_s'))}"
        for r in every
        if r not in rows
    ]
    notes = Notes()
    head = ["provider", "fault", "from", "to", "time to detect", "time to failover"]
    head += ["time to failback", "failed during fault"]

    def span(row: dict[str, Any], key: str) -> str:
        value = row.get(key)
        if value is None:
            return notes.missing(failover_reason(report, row, key))
        return escape(fmt.seconds(float(value)))

    table = [
        [
            _swatch(str(r.get("provider")), names),
            escape(fmt.words(str(r.get("kind", "fault")))),
            escape(fmt.clock(r.get("fault_start_s"))),
            escape(fmt.clock(r.get("fault_end_s"))),
            *(span(r, k) for k in ("time_to_detect_s", "time_to_failover_s", "time_to_failback_s")),
            _text(r.get("failed_during_fault")),
        ]
        for r in rows
    ]
    out = ["<h2>Failover</h2>"]
    if table:
        out += [_table(head, table, right=2), _notes(notes)]
    if unreached:
        out.append(
            f'<p class="no-data">Not reached: {escape(", ".join(unreached))} (the run ended '
            f"at {escape(fmt.clock(report.get('simulated_s')))}, before).</p>"
        )
    used: set[int] = set()
    for n, row in enumerate(rows):
        fault = _fault_of(row, faults, used)
        window = fault_window(report, fault)
        title = f"{fault.label}, {fmt.clock_span(fault.start_s, fault.until_s)}"
        if not any(b.paid or b.failed for b in window.buckets):
            out.append(f"<h3>{escape(title)}</h3>")
            out.append('<p class="no-data">no payment around the fault: nothing to draw</p>')
            continue
        chart = charts.failover_panel(window, row, names)
        said = _failover_story(report, row, fault)
        others = [
            f"{f.label} ({fmt.clock_span(f.start_s, f.until_s)})"
            for f in faults
            if f.index != fault.index and f.start_s < fault.until_s and f.until_s > fault.start_s
        ]
        if others:
            said += " Also under way during it: " + ", ".join(others) + "."
        out.append(f"<h3>{escape(title)}</h3>")
        out.append(figure(chart, f"failover-{n}", escape(said)))
    return "".join(out)


def _failover_story(report: dict[str, Any], row: dict[str, Any], fault: Fault) -> str:
    """The fault's figures in one sentence."""
    parts = []
    for word, key in (("detected after", "time_to_detect_s"),
                      ("failed over after", "time_to_failover_s")):  # fmt: skip
        value = row.get(key)
        reason = failover_reason(report, row, key)
        parts.append(f"{word} {fmt.seconds(value)}" if value is not None else f"{reason}")
    back = row.get("time_to_failback_s")
    parts.append(
        f"failed back {fmt.seconds(back)} after it ended"
        if back is not None
        else str(failover_reason(report, row, "time_to_failback_s"))
    )
    failed = fmt.count(row.get("failed_during_fault"))
    return f"{fault.label.capitalize()}: " + ", ".join(parts) + f"; {failed} payments failed."


def _recoveries(report: dict[str, Any]) -> str:
    """Logical processes lost and restored (an actor_crash drill, or a real failure)."""
    found = report.get("recoveries") or []
    if not found:
        return ""
    head = ["logical process", "cause", "after window", "windows replayed"]
    rows = [
        [_text(r.get("lp")), _text(r.get("cause")), _text(r.get("window")),
         _text(r.get("replayed_windows"))]
        for r in found
    ]  # fmt: skip
    return "<h2>Recoveries</h2>" + _table(head, rows, right=2)


def _providers(report: dict[str, Any], names: list[str]) -> str:
    keys = ("attempts", "succeeded", "failed", "timeouts")
    providers = report.get("providers") or {}
    rows = [
        [_swatch(name, names), *(_text(providers[name].get(k)) for k in keys)]
        for name in ordered(list(providers))
    ]
    return "<h2>Providers</h2>" + _table(["provider", *keys], rows)


def _status(ok: bool) -> str:
    return f'<span class="status">{"PASS" if ok else "FAIL"}</span>'


def _checks(report: dict[str, Any]) -> str:
    invariants = report.get("invariants") or []
    inv_rows = [[_text(i.get("name")), _status(bool(i.get("held"))), _text(i.get("detail", ""))]
                for i in invariants]  # fmt: skip
    assertions = report.get("assertions") or []
    a_rows = []
    for a in assertions:
        metric = str(a.get("metric"))
        limit = f"{OPS.get(str(a.get('op')), a.get('op'))} {metric_value(metric, a.get('limit'))}"
        a_rows.append([_text(a.get("name")), _text(metric), escape(limit),
                       escape(metric_value(metric, a.get("value"))),
                       _status(bool(a.get("passed")))])  # fmt: skip
    inv_cls = ["pass" if i.get("held") else "fail" for i in invariants]
    a_cls = ["pass" if a.get("passed") else "fail" for a in assertions]
    return (
        "<h2>Invariants</h2>"
        + _table(["invariant", "held", "detail"], inv_rows, inv_cls, right=9)
        + "<h2>Assertions</h2>"
        + _table(["assertion", "metric", "limit", "value", "result"], a_rows, a_cls, right=2)
    )


def _reserves(report: dict[str, Any], axis: TimeAxis, faults: list[Fault], names: list[str]) -> str:
    if report.get("runtime") == "exercise":
        return (
            '<h2>Reserves</h2><p class="no-data">not measured: an exercise sees what the '
            "providers saw, and the reserve ledger is the orchestrator's own</p>"
        )
    res = report.get("reserves") or {}
    currency = str(res.get("currency") or "USD")
    rows = [
        ["custodian reserve (fiat)", escape(fmt.money(res.get("fiat_minor"), currency))],
        ["fiat in transit", escape(fmt.money(res.get("in_transit_minor"), currency))],
        ["tokens minted", escape(fmt.money(res.get("minted_minor"), currency))],
        ["provider fees", escape(fmt.money(res.get("fees_minor"), currency))],
        ["held for review", escape(fmt.money(res.get("review_minor"), currency))],
        ["reserve ratio", escape(fmt.ratio(res.get("ratio_bp")))],
        ["last discrepancy", escape(fmt.basis_points(res.get("discrepancy_bp")))],
        ["last status", escape(fmt.words(res.get("status")))],
        ["reconciliations", _text(res.get("reconciliations"))],
    ]
    history = report.get("reserve_history") or []
    chart = (
        figure(charts.reserve_chart(history, axis, faults, names, currency), "reserves")
        if history
        else '<p class="no-data">no reconciliation during the run: nothing to draw</p>'
    )
    errors = "".join(f"<li>{_text(e)}</li>" for e in res.get("reconciliation_errors") or [])
    alerts = "".join(
        f'<li class="{escape(str(a.get("severity")))}">{escape(fmt.clock(a.get("at")))} '
        f"<b>{_text(a.get('severity'))}</b> {_text(a.get('key'))}: {_text(a.get('message'))}</li>"
        for a in res.get("alerts") or []
    )
    return (
        "<h2>Reserves</h2>"
        + _table(["", "amount"], rows)
        + chart
        + (f"<h3>Reconciliation errors</h3><ul>{errors}</ul>" if errors else "")
        + "<h3>Alerts</h3>"
        + (f"<ul>{alerts}</ul>" if alerts else '<p class="no-data">no alerts</p>')
    )


def _bulk(report: dict[str, Any]) -> str:
    jobs = report.get("bulk") or []
    if not jobs:
        return '<h2>Bulk imports</h2><p class="no-data">no bulk imports</p>'
    out = ["<h2>Bulk imports</h2>"]
    for job in jobs:
        errors = job.get("errors") or []
        provider = job.get("provider") or "auto"
        out.append(
            f"<h3>job {_text(job.get('job'))}: {_text(job.get('file'))}</h3>"
            f"<p>at {escape(fmt.clock(job.get('at_s')))} · provider {_text(provider)} · "
            f"{_text(job.get('rows'))} rows · {_text(job.get('accepted'))} accepted · "
            f"{len(errors):,} row errors</p>"
        )
        shown = [[_text(e.get("line")), _text(e.get("column")), _text(e.get("reason"))]
                 for e in errors[:MAX_ROW_ERRORS_SHOWN]]  # fmt: skip
        if shown:
            out.append(_table(["line", "column", "reason"], shown, right=9))
        if len(errors) > MAX_ROW_ERRORS_SHOWN:
            out.append(f"<p>and {len(errors) - MAX_ROW_ERRORS_SHOWN:,} more</p>")
    return "".join(out)

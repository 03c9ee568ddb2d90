"""The run report as one self-contained HTML page: inline CSS and SVG, nothing fetched.

Every string taken from the report is escaped: scenario names, alert messages and
CSV row errors come from users and files. Money is shown in major units with two
decimals; a value that could not be measured (None) reads "not measured".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape
from typing import Any

from simulation.report.page import NOT_MEASURED, html_page
from simulation.report.svg import (
    Fault,
    provider_colours,
    render_chart,
    reserve_charts,
    run_faults,
    series_charts,
)

MAX_ROW_ERRORS_SHOWN = 50  # per bulk job
CSS = """
.tiles{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:8px}
.tile{background:#fff;border:1px solid #e2e8f0;border-radius:6px;padding:8px 10px}
.tile .v{font-size:18px;font-weight:600}.tile .k{color:#64748b;font-size:12px}
tr.pass .status{color:#15803d;font-weight:700}
tr.fail .status{color:#b91c1c;font-weight:700}
.sw{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:6px}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(480px,1fr));gap:12px}
figure.chart{margin:0;background:#fff;border:1px solid #e2e8f0;border-radius:6px;padding:8px}
figcaption{font-weight:600;margin-bottom:4px}svg{width:100%;height:auto}
.grid{stroke:#e2e8f0}.axis{stroke:#64748b}.tick{font-size:11px;fill:#475569}
.axis-title{font-size:12px;fill:#334155}.legend{font-size:12px;fill:#0f172a}
.fault-label{font-size:11px}.no-data{color:#94a3b8;font-style:italic;padding:24px}
li.breach{color:#b91c1c}li.warning{color:#b45309}
"""


def render_report_html(report: dict[str, Any]) -> str:
    """One page that opens offline: header, tiles, charts, tables, reserves, bulk imports."""
    names = [*(report.get("providers") or {})]
    names += [str(r.get("provider")) for r in report.get("failover") or []]
    names += [n for r in (report.get("series") or {}).get("rows") or [] for n in r["share"]]
    colours = provider_colours(names)
    faults = run_faults(report, colours)
    charts = [render_chart(c, faults) for c in series_charts(report, colours)]
    body = [
        _header(report),
        _tiles(report),
        '<h2>Over simulated time</h2><div class="charts">' + "".join(charts) + "</div>",
        _failover(report, colours),
        _providers(report, colours),
        _checks(report),
        _recoveries(report),
        _reserves(report, faults),
        _bulk(report),
    ]
    return html_page(f"invoicesim report: {report.get('scenario', '')}", CSS, body)


# ---- formatting ------------------------------------------------------------------------
def _esc(value: object) -> str:
    return NOT_MEASURED if value is None else escape(str(value))


def _num(value: float | None, unit: str = "", digits: int = 3) -> str:
    """A number with thousands separators and at most ``digits`` decimals: 120.0 -> 120."""
    if value is None:
        return NOT_MEASURED
    text = f"{value:,}" if isinstance(value, int) else f"{value:,.{digits}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return escape(text + (f" {unit}" if unit else ""))


def money(minor: int | None) -> str:
    """Minor units as a decimal with two places: 123456 -> 1234.56."""
    if minor is None:
        return NOT_MEASURED
    sign = "-" if minor < 0 else ""
    return f"{sign}{abs(minor) // 100}.{abs(minor) % 100:02d}"


def ratio(bp: int | None) -> str:
    """Basis points as a ratio to one: 10000 -> 1.0000:1."""
    if bp is None:
        return NOT_MEASURED
    return f"{bp // 10_000}.{bp % 10_000:04d}:1"


def _swatch(name: str, colours: dict[str, str]) -> str:
    colour = colours.get(name, "#94a3b8")
    return (
        f'<span class="sw" data-provider="{escape(name)}" style="background:{colour}"></span>'
        f"{escape(name)}"
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


# ---- sections --------------------------------------------------------------------------
def verdict(report: dict[str, Any]) -> bool:
    """PASS when every invariant held and every assertion passed."""
    held = all(bool(i.get("held")) for i in report.get("invariants") or [])
    return held and all(bool(a.get("passed")) for a in report.get("assertions") or [])


def _header(report: dict[str, Any]) -> str:
    ok = verdict(report)
    badge = f'<span class="verdict {"pass" if ok else "fail"}">{"PASS" if ok else "FAIL"}</span>'
    facts = [
        ("seed", report.get("seed")),
        ("runtime", report.get("runtime")),
        ("shards", report.get("shards")),
        ("started", report.get("started_at")),
        ("digest", report.get("digest")),
    ]
    if "run_id" in report:
        facts.insert(0, ("run", report["run_id"]))
    meta = " · ".join(f"{escape(k)} <b>{_esc(v)}</b>" for k, v in facts)
    return (
        f"<header><h1>{_esc(report.get('scenario'))} {badge}</h1>"
        f'<p class="meta">{meta}</p></header>'
    )


def _tiles(report: dict[str, Any]) -> str:
    invoices = report.get("invoices") or {}
    lat = report.get("latency_ms") or {}
    clock = report.get("clock") or {}
    tiles = [
        ("simulated", _num(report.get("simulated_s"), "s", 1)),
        ("wall clock", _num(report.get("wall_s"), "s", 1)),
        ("throughput per wall s", _num(report.get("throughput_invoices_per_s"), "invoices/s", 1)),
        *((f"invoices {k}", _num(invoices.get(k))) for k in ("created", "paid", "failed")),
        *((f"invoices {k}", _num(invoices.get(k))) for k in ("expired", "underpaid", "overpaid")),
        ("invoices open", _num(invoices.get("open"))),
        ("double pays", _num(report.get("double_pays"))),
        ("lost", _num(report.get("lost"))),
        ("late payments", _num(report.get("late_payments"))),
        *((f"latency {k}", _num(lat.get(k), "ms", 1)) for k in ("p50", "p95", "p99")),
        ("clock", _esc(clock.get("mode"))),
        ("clock drift max", _num(clock.get("drift_max_s"), "s")),
        ("windows", _num(report.get("windows"))),
        ("stopped by", _esc(report.get("stopped_by"))),
    ]
    cells = "".join(
        f'<div class="tile"><div class="v">{v}</div><div class="k">{escape(k)}</div></div>'
        for k, v in tiles
    )
    return f'<section class="tiles">{cells}</section>'


def _failover(report: dict[str, Any], colours: dict[str, str]) -> str:
    head = ["provider", "kind", "fault start (s)", "fault end (s)", "time to detect (s)"]
    head += ["time to failover (s)", "time to failback (s)", "failed during fault"]
    rows = [
        [
            _swatch(str(r.get("provider")), colours),
            _esc(r.get("kind")),
            *(_num(r.get(k)) for k in ("fault_start_s", "fault_end_s", "time_to_detect_s")),
            *(_num(r.get(k)) for k in ("time_to_failover_s", "time_to_failback_s")),
            _num(r.get("failed_during_fault")),
        ]
        for r in report.get("failover") or []
    ]
    return "<h2>Failover</h2>" + _table(head, rows, right=2)


def _recoveries(report: dict[str, Any]) -> str:
    """Logical processes lost and restored (an actor_crash drill, or a real failure)."""
    found = report.get("recoveries") or []
    if not found:
        return ""
    head = ["logical process", "cause", "after window", "windows replayed"]
    rows = [
        [
            _esc(r.get("lp")),
            _esc(r.get("cause")),
            _num(r.get("window")),
            _num(r.get("replayed_windows")),
        ]
        for r in found
    ]
    return "<h2>Recoveries</h2>" + _table(head, rows, right=2)


def _providers(report: dict[str, Any], colours: dict[str, str]) -> str:
    keys = ("attempts", "succeeded", "failed", "timeouts")
    rows = [
        [_swatch(name, colours), *(_num(p.get(k)) for k in keys)]
        for name, p in sorted((report.get("providers") or {}).items())
    ]
    return "<h2>Providers</h2>" + _table(["provider", *keys], rows)


def _status(ok: bool) -> str:
    return f'<span class="status">{"PASS" if ok else "FAIL"}</span>'


def _checks(report: dict[str, Any]) -> str:
    invariants = report.get("invariants") or []
    inv_rows = [[_esc(i.get("name")), _status(bool(i.get("held"))), _esc(i.get("detail", ""))]
                for i in invariants]  # fmt: skip
    assertions = report.get("assertions") or []
    a_rows = [
        [_esc(a.get("name")), _esc(a.get("metric")), f"{_esc(a.get('op'))} {_num(a.get('limit'))}",
         _num(a.get("value")), _status(bool(a.get("passed")))]
        for a in assertions
    ]  # fmt: skip
    inv_cls = ["pass" if i.get("held") else "fail" for i in invariants]
    a_cls = ["pass" if a.get("passed") else "fail" for a in assertions]
    return (
        "<h2>Invariants</h2>"
        + _table(["invariant", "held", "detail"], inv_rows, inv_cls, right=9)
        + "<h2>Assertions</h2>"
        + _table(["assertion", "metric", "limit", "value", "result"], a_rows, a_cls, right=3)
    )


def _reserves(report: dict[str, Any], faults: Sequence[Fault]) -> str:
    res = report.get("reserves") or {}
    rows = [
        ["custodian reserve (fiat)", money(res.get("fiat_minor"))],
        ["fiat in transit", money(res.get("in_transit_minor"))],
        ["tokens minted", money(res.get("minted_minor"))],
        ["provider fees", money(res.get("fees_minor"))],
        ["held for review", money(res.get("review_minor"))],
        ["reserve ratio", ratio(res.get("ratio_bp"))],
        ["last discrepancy", _num(res.get("discrepancy_bp"), "bp")],
        ["last status", _esc(res.get("status"))],
        ["reconciliations", _num(res.get("reconciliations"))],
    ]
    charts = "".join(render_chart(c, faults) for c in reserve_charts(report, faults))
    errors = "".join(f"<li>{_esc(e)}</li>" for e in res.get("reconciliation_errors") or [])
    alerts = "".join(
        f'<li class="{escape(str(a.get("severity")))}">t={_num(a.get("at"), "s", 1)} '
        f"<b>{_esc(a.get('severity'))}</b> {_esc(a.get('key'))}: {_esc(a.get('message'))}</li>"
        for a in res.get("alerts") or []
    )
    return (
        "<h2>Reserves</h2>"
        + _table(["", "amount"], rows)
        + f'<div class="charts">{charts}</div>'
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
            f"<h3>job {_esc(job.get('job'))}: {_esc(job.get('file'))}</h3>"
            f"<p>at {_num(job.get('at_s'), 's', 1)} · provider {_esc(provider)} · "
            f"{_num(job.get('rows'))} rows · {_num(job.get('accepted'))} accepted · "
            f"{len(errors):,} row errors</p>"
        )
        shown = [[_num(e.get("line")), _esc(e.get("column")), _esc(e.get("reason"))]
                 for e in errors[:MAX_ROW_ERRORS_SHOWN]]  # fmt: skip
        if shown:
            out.append(_table(["line", "column", "reason"], shown, right=9))
        if len(errors) > MAX_ROW_ERRORS_SHOWN:
            out.append(f"<p>and {len(errors) - MAX_ROW_ERRORS_SHOWN:,} more</p>")
    return "".join(out)

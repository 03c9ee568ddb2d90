"""The run report's and the sweep page's charts, in the dashboards' vocabulary: Altair
(Vega-Lite) charts with the dashboards' provider colours (``ui.dashboard.palette``),
their clock labels and tick steps (``ui.dashboard.charts``), figures written by
``ui.formatting``.

Charts take plain lists of dicts; ``ui.report.embed`` turns one into inline SVG.
Every time chart of a run shares one axis (``ui.report.story.TimeAxis``): the load
and the faults across most of the width, the drain after them compressed into a
grey band. Faults are shaded on every chart and named in a lane of their own, one
row per fault, so no two labels ever share a line. Each layer that a test looks
for is named (``name=``): ``fault-bands``, ``fault-lane``, ``drain``...
"""

from __future__ import annotations

from typing import Any, Literal, TypeVar, cast

import altair as alt

from ui.dashboard.charts import CLOCK_LABEL, FAULT
from ui.dashboard.palette import colour, ordered, provider_colour
from ui.formatting import clock_span, count, seconds
from ui.report.story import Bucket, Fault, TimeAxis, Window

WIDTH = 1000  # px of plot; a report's page is about 1,050 px wide
AXIS_PX = 150  # every y axis's labels, so the time axes of stacked panels line up
LANE_ROW_PX = 18
PANEL_PX = 110
DRAIN = "#94a3b8"
PAID, FAILED, P50, P99 = "#1f2937", "#D55E00", "#56B4E9", "#E69F00"
# Metric-compatible with Arial and Helvetica, and the font vl-convert measures text with:
# labels drawn in the browser then take the room measured for them.
FONT = '"Liberation Sans", Arial, Helvetica, sans-serif'
CONFIG: dict[str, Any] = {
    "font": FONT,
    "view": {"stroke": "#cbd5e1"},
    "axis": {"labelFontSize": 11, "titleFontSize": 11, "labelColor": "#334155"},
    "legend": {"labelFontSize": 11, "labelLimit": 0, "orient": "right"},
    "title": {"fontSize": 13, "anchor": "start", "color": "#0f172a", "offset": 6},
}
# An amount on an axis as ui.formatting.money_compact writes it: 5.8M, 950k, 2B.
COMPACT = "datum.value == 0 ? '0' : replace(format(datum.value, '.3~s'), 'G', 'B')"
Top = TypeVar("Top", alt.LayerChart, alt.VConcatChart)


def _data(rows: list[Any]) -> dict[str, Any]:
    return {"values": rows}


def _configured(chart: Top) -> Top:
    """The chart with the report's font, axis and legend settings."""
    return cast(Top, chart.configure(**CONFIG))


def vconcat(*charts: Any, spacing: int) -> alt.VConcatChart:
    """Panels one under another, sharing the time axis, each with its own colours."""
    return alt.VConcatChart(
        vconcat=list(charts),
        spacing=spacing,
        resolve=alt.Resolve(scale=alt.ScaleResolveMap(color="independent", x="shared")),
    )


def time_x(axis: TimeAxis, field: str = "start_s", shown: bool = True) -> alt.X:
    """The run's time axis, labelled as the clock; the drain's end ticked when compressed."""
    return alt.X(
        f"{field}:Q",
        title="simulated time (mm:ss)" if shown else None,
        scale=alt.Scale(domain=axis.domain, range=axis.pixels(WIDTH), nice=False, zero=False),
        axis=alt.Axis(
            values=axis.ticks, labelExpr=CLOCK_LABEL, labels=shown, ticks=shown, grid=True
        ),
    )


def _y_axis(**more: Any) -> alt.Axis:
    return alt.Axis(minExtent=AXIS_PX, maxExtent=AXIS_PX, **more)


# ---- what every time chart shares --------------------------------------------------------
def fault_rows(faults: list[Fault], names: list[str]) -> list[dict[str, Any]]:
    """One row per fault: its span, its label, its colour (the provider's, else red)."""
    return [
        {
            "fault": f.index,
            "label": f.label,
            "start_s": f.start_s,
            "end_s": f.until_s,
            "when": clock_span(f.start_s, f.until_s),
            "colour": colour(f.target, names) if f.target in names else FAULT,
        }
        for f in faults
    ]


def _backdrop(axis: TimeAxis, faults: list[Fault]) -> list[alt.Chart]:
    """The drain as a grey band, then each fault as a light red band (a dashed rule if it
    happens at an instant), drawn under what the chart shows."""
    layers = []
    if axis.drain is not None:
        start, end = axis.drain
        layers.append(
            alt.Chart(_data([{"start_s": start, "end_s": end}]), name="drain")
            .mark_rect(color=DRAIN, opacity=0.12)
            .encode(x=time_x(axis), x2="end_s:Q")
        )
    rows = fault_rows(faults, [])
    spans = [r for r in rows if r["end_s"] > r["start_s"]]
    instants = [r for r in rows if r["end_s"] <= r["start_s"]]
    layers.append(
        alt.Chart(_data(spans), name="fault-bands")
        .mark_rect(color=FAULT, opacity=0.08)
        .encode(x=time_x(axis), x2="end_s:Q")
    )
    if instants:
        layers.append(
            alt.Chart(_data(instants), name="fault-instants")
            .mark_rule(color=FAULT, strokeDash=[3, 2])
            .encode(x=time_x(axis))
        )
    return layers


def fault_outlines(rows: list[dict[str, Any]], x: alt.X) -> alt.Chart:
    """Each fault's span as a dashed outline, drawn over opaque bars that would hide a band."""
    chart: alt.Chart = (
        alt.Chart(_data([r for r in rows if r["end_s"] > r["start_s"]]), name="fault-outlines")
        .mark_rect(fillOpacity=0, stroke=FAULT, strokeDash=[5, 3], strokeWidth=1.5)
        .encode(x=x, x2="end_s:Q")
    )
    return chart


def fault_lane(axis: TimeAxis, faults: list[Fault], names: list[str]) -> alt.LayerChart:
    """One row per fault, labelled on the left ("tempo outage"), its span as a bar in its
    provider's colour with the span as clocks after it; the drain's row last, marked as
    compressed when it is. No two labels share a row, so none overprints another."""
    rows = fault_rows(faults, names)
    labels = [r["label"] for r in rows]
    for row in rows:  # the same fault twice: number them, so each keeps a row of its own
        twice = labels.count(row["label"]) > 1
        row["lane"] = f"{row['label']} ({row['fault'] + 1})" if twice else row["label"]
    lanes = [r["lane"] for r in rows]
    drain_label = "drain (compressed)" if axis.compressed else "drain"
    texts = [{**r, "text": r["when"]} for r in rows]
    if axis.drain is not None:
        start, end = axis.drain
        lanes.append(drain_label)
        drain_row = {"lane": drain_label, "start_s": start, "end_s": end, "colour": DRAIN}
        rows.append(drain_row)
        texts.append({**drain_row, "text": "open invoices ending, no new load"})
    y = alt.Y(
        "lane:N",
        title=None,
        sort=lanes,
        axis=_y_axis(labelLimit=AXIS_PX - 8, ticks=False, domain=False, labelFontSize=11),
    )
    spans = [r for r in rows if r["end_s"] > r["start_s"]]
    instants = [r for r in rows if r["end_s"] <= r["start_s"]]
    layers = [
        alt.Chart(_data(spans), name="fault-lane")
        .mark_bar(height=LANE_ROW_PX - 6)
        .encode(
            x=time_x(axis, shown=False),
            x2="end_s:Q",
            y=y,
            color=alt.Color("colour:N", scale=None),
        ),
        alt.Chart(_data(instants), name="fault-lane-instants")
        .mark_point(shape="triangle-down", filled=True, size=60)
        .encode(x=time_x(axis, shown=False), y=y, color=alt.Color("colour:N", scale=None)),
    ]
    # The span after its bar; before it when the bar ends late, where it would not fit.
    late = axis.at_share(0.8)
    sides: tuple[tuple[Literal["left", "right"], list[dict[str, Any]]], ...] = (
        ("left", [t for t in texts if t["end_s"] <= late]),
        ("right", [t for t in texts if t["end_s"] > late]),
    )
    for side, chosen in sides:
        field = "end_s" if side == "left" else "start_s"
        layers.append(
            alt.Chart(_data(chosen), name=f"fault-lane-spans-{side}")
            .mark_text(fontSize=10, color="#334155", align=side, dx=4 if side == "left" else -4)
            .encode(x=time_x(axis, field, shown=False), y=y, text="text:N")
        )
    return alt.LayerChart(layer=layers).properties(
        width=WIDTH,
        height=LANE_ROW_PX * max(1, len(lanes)),
        title="Faults, one row each, and the drain after the load",
    )


def _panel(
    title: str, layers: list[alt.Chart], backdrop: list[alt.Chart], height: int = PANEL_PX
) -> alt.LayerChart:
    return alt.LayerChart(layer=[*backdrop, *layers]).properties(
        width=WIDTH, height=height, title=title
    )


def _lines(
    rows: list[dict[str, Any]],
    axis: TimeAxis,
    shown: bool,
    y_title: str,
    series: list[tuple[str, str]],
    y_axis: alt.Axis,
    domain: list[float] | None = None,
) -> alt.Chart:
    """One line per series (``series``: label and colour), broken where a value is None."""
    labels = [label for label, _ in series]
    chart: alt.Chart = (
        alt.Chart(_data(rows), name="lines")
        .mark_line(strokeWidth=1.6, invalid="break-paths-show-domains")
        .encode(
            x=time_x(axis, "mid_s", shown),
            y=alt.Y(
                "value:Q",
                title=y_title,
                axis=y_axis,
                scale=alt.Scale(domain=domain) if domain else alt.Undefined,
            ),
            color=alt.Color(
                "series:N",
                title=None,
                scale=alt.Scale(domain=labels, range=[c for _, c in series]),
            ),
        )
    )
    return chart


def _per_series(buckets: list[Bucket], fields: dict[str, Any]) -> list[dict[str, Any]]:
    """Long rows: a bucket's middle, the series, its value (None breaks the line)."""
    return [
        {"mid_s": round((b.start_s + b.end_s) / 2, 3), "series": label, "value": get(b)}
        for b in buckets
        for label, get in fields.items()
    ]


def _success_pct(b: Bucket) -> float | None:
    done = b.paid + b.failed
    return round(100 * b.paid / done, 2) if done else None


def share_rows(buckets: list[Bucket], names: list[str]) -> list[dict[str, Any]]:
    """Per bucket and provider: paid invoices and their share of the bucket's in %, stacked
    in the providers' order (``low_pct`` to ``high_pct``); a bucket with nothing paid has
    no row."""
    rank = {name: n for n, name in enumerate(ordered(names))}
    rows = []
    for b in buckets:
        total = sum(b.share.values())
        low = 0.0
        for name in sorted((n for n, paid in b.share.items() if paid), key=lambda n: (
                rank.get(n, len(rank)), n)):  # fmt: skip
            share = 100 * b.share[name] / total
            rows.append(
                {
                    "provider": name,
                    "start_s": b.start_s,
                    "end_s": b.end_s,
                    "paid": b.share[name],
                    "share_pct": round(share, 2),
                    "low_pct": round(low, 3),
                    "high_pct": round(min(100.0, low + share), 3),
                }
            )
            low += share
    return rows


def share_bars(rows: list[dict[str, Any]], x: alt.X, names: list[str]) -> alt.Chart:
    """Each bucket's paid invoices split by provider, stacked to 100 %, in their colours."""
    providers = ordered(names)
    chart: alt.Chart = (
        alt.Chart(_data(rows), name="share")
        .mark_rect()
        .encode(
            x=x,
            x2="end_s:Q",
            y=alt.Y(
                "low_pct:Q",
                title="% of paid",
                scale=alt.Scale(domain=[0, 100]),
                axis=_y_axis(values=[0, 50, 100], labelExpr="datum.value + ' %'"),
            ),
            y2="high_pct:Q",
            color=provider_colour(names=providers, legend=alt.Legend(title=None)),
        )
    )
    return chart


def timeline(
    buckets: list[Bucket], axis: TimeAxis, faults: list[Fault], names: list[str]
) -> alt.VConcatChart:
    """The run over simulated time, one panel under another on one time axis: the faults'
    lane, throughput, success rate, latency, and the provider share of paid invoices."""
    backdrop = _backdrop(axis, faults)
    throughput = _lines(
        _per_series(
            buckets,
            {
                "paid": lambda b: round(b.paid / b.length_s, 3),
                "failed": lambda b: round(b.failed / b.length_s, 3),
            },
        ),
        axis,
        False,
        "invoices / s",
        [("paid", PAID), ("failed", FAILED)],
        _y_axis(tickCount=4, format=",~s"),
    )
    success = _lines(
        _per_series(buckets, {"success": _success_pct}),
        axis,
        False,
        "%",
        [("success", PAID)],
        _y_axis(values=[0, 50, 100], labelExpr="datum.value + ' %'"),
        [0, 100],
    )
    latency_lines = _lines(
        _per_series(buckets, {"p50": lambda b: b.p50_ms, "p99": lambda b: b.p99_ms}),
        axis,
        False,
        "ms",
        [("p50", P50), ("p99", P99)],
        _y_axis(tickCount=4, labelExpr="format(datum.value, ',') + ' ms'"),
    )
    share = share_bars(share_rows(buckets, names), time_x(axis), names)
    step = buckets[0].length_s if buckets else 1.0
    panels = [
        fault_lane(axis, faults, names),
        _panel(f"Throughput: invoices paid and failed per second ({step:g} s buckets)",
               [throughput], backdrop),
        _panel("Success rate: paid / (paid + failed)", [success], backdrop, 80),
        _panel("Payment latency, p50 and p99", [latency_lines], backdrop),
        _panel("Provider share of paid invoices",
               [share, fault_outlines(fault_rows(faults, []), time_x(axis))], backdrop),
    ]  # fmt: skip
    return _configured(vconcat(*panels, spacing=14))


# ---- a fault's own panel -----------------------------------------------------------------
EVENTS = (("detected", "time_to_detect_s", "start"), ("failed over", "time_to_failover_s",
          "start"), ("failed back", "time_to_failback_s", "end"))  # fmt: skip
EVENT_COLOURS = ("#000000", "#7F3C8D", "#11A579")


def event_rows(window: Window, row: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Detection, failover and failback of the fault as instants, each labelled with its
    time from the fault's start (or end): ``failed over +0.38 s``."""
    if row is None:
        return []
    out = []
    for label, key, since in EVENTS:
        value = row.get(key)
        base = window.fault.start_s if since == "start" else window.fault.until_s
        if value is None:
            continue
        after = "after the end" if since == "end" else "after the start"
        out.append(
            {"event": f"{label} {seconds(float(value))} {after}", "at_s": base + float(value)}
        )
    return out


def window_x(window: Window, field: str = "start_s", shown: bool = True) -> alt.X:
    """The time around a fault, linear, labelled as the clock."""
    axis = TimeAxis(story_end_s=window.until_s, end_s=window.until_s)
    return alt.X(
        f"{field}:Q",
        title="simulated time (mm:ss)" if shown else None,
        scale=alt.Scale(domain=[window.since_s, window.until_s], nice=False, zero=False),
        axis=alt.Axis(
            values=[t for t in axis.ticks if t >= window.since_s],
            labelExpr=CLOCK_LABEL,
            labels=shown,
            ticks=shown,
        ),
    )


def event_rules(events: list[dict[str, Any]], x: alt.X) -> alt.Chart:
    """Detection, failover and failback as dashed rules, named in a legend under the chart
    (they may be a fraction of a second apart: labels by the rules would overprint)."""
    chart: alt.Chart = (
        alt.Chart(_data(events), name="events")
        .mark_rule(strokeWidth=2, strokeDash=[4, 2])
        .encode(
            x=x,
            stroke=alt.Stroke(
                "event:N",
                title=None,
                sort=None,
                scale=alt.Scale(
                    domain=[e["event"] for e in events], range=list(EVENT_COLOURS[: len(events)])
                ),
                legend=alt.Legend(
                    orient="bottom",
                    direction="horizontal",
                    columnPadding=24,
                    symbolType="stroke",
                    symbolStrokeWidth=2,
                ),
            ),
        )
    )
    return chart


def failed_bars(buckets: list[Bucket], x: alt.X) -> alt.Chart:
    """Payments failed per second of each bucket."""
    rows = [
        {"start_s": b.start_s, "end_s": b.end_s, "failed": round(b.failed / b.length_s, 3)}
        for b in buckets
    ]
    chart: alt.Chart = (
        alt.Chart(_data(rows), name="failed")
        .mark_rect(color=FAILED)
        .encode(
            x=x,
            x2="end_s:Q",
            y=alt.Y("failed:Q", title="failed / s", axis=_y_axis(tickCount=3, format=",~s")),
            y2=alt.datum(0),
        )
    )
    return chart


def failover_panel(
    window: Window, row: dict[str, Any] | None, names: list[str]
) -> alt.VConcatChart:
    """Around one fault, in the finest buckets: each provider's share of the paid invoices
    (traffic moving off the faulty provider and back), the payments that failed, and when
    the fault was detected, failed over and failed back. Its own fault alone is marked: the
    page names the others that overlap it."""
    band_rows = [
        {**r, "start_s": max(r["start_s"], window.since_s),
         "end_s": min(r["end_s"], window.until_s)}
        for r in fault_rows([window.fault], names)
        if r["end_s"] > r["start_s"]
    ]  # fmt: skip
    band = (
        alt.Chart(_data(band_rows), name="fault-bands")
        .mark_rect(color=FAULT, opacity=0.08)
        .encode(x=window_x(window), x2="end_s:Q")
    )
    rules = event_rules(event_rows(window, row), window_x(window, "at_s"))
    share = share_bars(share_rows(window.buckets, names), window_x(window, shown=False), names)
    outline = fault_outlines(band_rows, window_x(window, shown=False))
    step = window.buckets[0].length_s if window.buckets else 1.0
    top = alt.LayerChart(layer=[share, outline, rules]).properties(
        width=WIDTH, height=120, title=f"Share of paid invoices by provider ({step:g} s buckets)"
    )
    bottom = alt.LayerChart(
        layer=[band, failed_bars(window.buckets, window_x(window)), rules]
    ).properties(width=WIDTH, height=60, title="Payments failed per second")
    return _configured(vconcat(top, bottom, spacing=10))


# ---- reserves ----------------------------------------------------------------------------
def reserve_chart(
    history: list[dict[str, Any]],
    axis: TimeAxis,
    faults: list[Fault],
    names: list[str],
    currency: str,
) -> alt.VConcatChart:
    """The custodian's statement and the book reserve at each reconciliation, in the
    currency (compact axis: 5.8M), and the discrepancy between them in basis points."""
    rows = [
        {"at_s": float(r["at"]), "series": label, "amount": r[key] / 100}
        for r in history
        for label, key in (("custodian statement", "custodian_minor"),
                           ("book reserve", "book_reserve_minor"))
        if r.get(key) is not None
    ]  # fmt: skip
    backdrop = _backdrop(axis, faults)
    amounts = (
        alt.Chart(_data(rows), name="reserve")
        .mark_line(point=True, strokeWidth=1.6)
        .encode(
            x=time_x(axis, "at_s", shown=False),
            y=alt.Y("amount:Q", title=currency, axis=_y_axis(labelExpr=COMPACT, tickCount=4)),
            color=alt.Color(
                "series:N",
                title=None,
                scale=alt.Scale(domain=["custodian statement", "book reserve"],
                                range=["#0072B2", "#E69F00"]),
            ),
            strokeDash=alt.StrokeDash(
                "series:N",
                scale=alt.Scale(domain=["custodian statement", "book reserve"],
                                range=[[1, 0], [6, 4]]),
                legend=None,
            ),
        )
    )  # fmt: skip
    discrepancy = (
        alt.Chart(
            _data([{"at_s": float(r["at"]), "bp": r.get("discrepancy_bp")} for r in history]),
            name="discrepancy",
        )
        .mark_line(point=alt.OverlayMarkDef(color=FAILED), color=FAILED, strokeWidth=1.6)
        .encode(
            x=time_x(axis, "at_s"),
            y=alt.Y("bp:Q", title="bp", axis=_y_axis(tickCount=3, format=",")),
        )
    )
    return _configured(
        vconcat(
            _panel(f"Reserve at each reconciliation ({currency})", [amounts], backdrop),
            _panel("Discrepancy: statement vs book (basis points)", [discrepancy], backdrop, 70),
            spacing=14,
        )
    )


# ---- the sweep ---------------------------------------------------------------------------
def heatmap(
    cells: list[dict[str, Any]],
    rows_title: str,
    columns_title: str,
    value_title: str,
    colours: tuple[str, str],
    legend: bool = True,
) -> alt.LayerChart:
    """A square per cell (``row``, ``column``), coloured by ``value`` from ``colours[0]``
    (lowest) to ``colours[1]``, grey when ``value`` is None; ``text`` and ``detail`` written
    in it. Rows and columns keep the order given."""
    row_order = list(dict.fromkeys(c["row"] for c in cells))
    column_order = list(dict.fromkeys(c["column"] for c in cells))
    x = alt.X(
        "column:N",
        title=columns_title,
        sort=column_order,
        axis=alt.Axis(orient="top", labelAngle=0, labelLimit=160),
    )
    y = alt.Y("row:N", title=rows_title, sort=row_order, axis=alt.Axis(labelLimit=160))  # fmt: skip
    squares = (
        alt.Chart(_data(cells), name="squares")
        .mark_rect(stroke="#ffffff", strokeWidth=2)
        .encode(
            x=x,
            y=y,
            color=alt.Color(
                "value:Q",
                title=value_title,
                scale=alt.Scale(range=list(colours)),
                legend=alt.Legend(orient="right", gradientLength=120) if legend else None,
            ),
        )
    )
    missing = (
        alt.Chart(_data([c for c in cells if c["value"] is None]), name="not-measured")
        .mark_rect(color="#e2e8f0", stroke="#ffffff", strokeWidth=2)
        .encode(x=x, y=y)
    )
    text = (
        alt.Chart(_data(cells), name="text")
        .mark_text(fontSize=14, fontWeight="bold", dy=-7, color="#0f172a")
        .encode(x=x, y=y, text="text:N")
    )
    detail = (
        alt.Chart(_data(cells), name="detail")
        .mark_text(fontSize=10, dy=9, color="#334155")
        .encode(x=x, y=y, text="detail:N")
    )
    width = min(WIDTH - 200, 190 * max(1, len(column_order)))
    return _configured(
        alt.LayerChart(layer=[squares, missing, text, detail]).properties(
            width=width, height=56 * max(1, len(row_order))
        )
    )


def heat_text(value: float | None, unit: str) -> str:
    """A square's main figure: seconds, or a count."""
    if unit == "s":
        return seconds(value)
    return count(value)

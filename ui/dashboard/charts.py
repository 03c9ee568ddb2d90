"""The dashboard's Altair charts: axis titles carry units, providers keep their colours.

Charts take plain lists of dicts (no pandas): Altair embeds them as inline data.
"""

from __future__ import annotations

import math
from typing import Any, Literal

import altair as alt

from ui.dashboard.palette import ordered, provider_colour
from ui.dashboard.timeline import Mark, Span
from ui.dashboard.traffic import LinePoint, ShareRow, View
from ui.formatting import clock_span, words

TIME_AXIS = "Simulated time (s)"
CLOCK_AXIS = "Simulated time (mm:ss)"
ChartLike = alt.Chart | alt.LayerChart
ROW_PX = 26  # a provider's row on a state timeline
AXIS_PX = 72  # every y axis's labels on the provider charts, so their time axes line up
FAULT = "#B22222"
# A tick's seconds as the simulated clock: mm:ss, h:mm:ss from an hour (ui.formatting.clock).
CLOCK_LABEL = (
    "(datum.value >= 3600 ? floor(datum.value / 3600) + ':' + "
    "pad(floor(datum.value % 3600 / 60), 2, '0', 'left') : "
    "pad(floor(datum.value / 60), 2, '0', 'left')) + ':' + "
    "pad(floor(datum.value % 60), 2, '0', 'left')"
)
TICK_STEPS_S = (5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14_400, 43_200, 86_400)
MAX_TICKS = 10


def _data(rows: list[Any]) -> dict[str, Any]:
    return {"values": rows}


def clock_ticks(since_s: float, until_s: float) -> list[float]:
    """Ticks on whole clock steps (every 30 s, 1 min, 5 min, ...), at most ``MAX_TICKS``."""
    span = max(until_s - since_s, 1.0)
    step = next((s for s in TICK_STEPS_S if span / s <= MAX_TICKS), TICK_STEPS_S[-1])
    first = math.ceil(since_s / step) * step
    return [float(first + n * step) for n in range(int((until_s - first) // step) + 1)]


def time_x(view: View, field: str = "start_s") -> alt.X:
    """Simulated time over the range in view, labelled as the clock."""
    return alt.X(
        f"{field}:Q",
        title=CLOCK_AXIS,
        scale=alt.Scale(domain=[view.since_s, view.now_s], nice=False, zero=False),
        axis=alt.Axis(values=clock_ticks(view.since_s, view.now_s), labelExpr=CLOCK_LABEL),
    )


def _y_axis(**more: Any) -> alt.Axis:
    return alt.Axis(minExtent=AXIS_PX, maxExtent=AXIS_PX, **more)


def _sized(chart: alt.LayerChart, height: int) -> alt.LayerChart:
    """``height`` px of plot, the width of the page: Streamlit's default sizing fits legend,
    axes and plot into ``height`` together, which squeezes a short chart to nothing."""
    return chart.properties(
        height=height, autosize=alt.AutoSizeParams(type="fit-x", contains="padding")
    )


def _legend(entries: int) -> alt.Legend:
    """Below the plot (fault labels go above it), untitled (its entries name themselves),
    every entry shown, in rows of at most eight."""
    return alt.Legend(
        title=None,
        orient="bottom",
        direction="horizontal",
        columns=min(8, entries),
        symbolLimit=0,
        labelLimit=0,
    )


def fault_bands(
    marks: list[Mark], view: View, labelled: bool = True, outline: bool = False
) -> list[alt.Chart]:
    """Each fault in view as a shaded band from its start to its end (or now), labelled just
    above the plot with what it is ("tempo outage (scheduled)"); its span on hover. Drawn
    first, under what the chart shows; ``outline`` draws only its dashed edges, on top of
    opaque rows (a state timeline)."""
    rows: list[dict[str, Any]] = [
        {
            "label": m["label"],
            "start_s": max(m["start_s"], view.since_s),
            "end_s": view.now_s if m["end_s"] is None else min(m["end_s"], view.now_s),
            "when": clock_span(m["start_s"], m["end_s"]),
        }
        for m in marks
        if m["start_s"] <= view.now_s and (m["end_s"] is None or m["end_s"] >= view.since_s)
    ]
    x = time_x(view)
    shade: dict[str, Any] = (
        {"fillOpacity": 0, "stroke": FAULT, "strokeDash": [5, 3], "strokeWidth": 1.5}
        if outline
        else {"color": FAULT, "opacity": 0.13}
    )
    band = (
        alt.Chart(_data(rows))
        .mark_rect(**shade)
        .encode(
            x=x,
            x2="end_s:Q",
            tooltip=[alt.Tooltip("label:N", title="Fault"), alt.Tooltip("when:N", title="When")],
        )
    )
    if not labelled:
        return [band]
    # A label reads from its band's start, or back from its end when it starts late in view.
    late = view.since_s + 0.7 * view.span_s
    layers = [band]
    sides: tuple[tuple[Literal["left", "right"], str, int, list[dict[str, Any]]], ...] = (
        ("left", "start_s", 4, [r for r in rows if r["start_s"] <= late]),
        ("right", "end_s", -4, [r for r in rows if r["start_s"] > late]),
    )
    for align, field, dx, chosen in sides:
        layers.append(
            alt.Chart(_data(chosen))
            .mark_text(
                align=align,
                baseline="bottom",
                dx=dx,
                dy=-3,
                color=FAULT,
                fontSize=11,
                fontWeight="bold",
            )
            .encode(x=time_x(view, field), y=alt.value(0), text="label:N")
        )
    return layers


def state_chart(
    spans: list[Span], marks: list[Mark], view: View, colours: dict[str, str], title: str
) -> ChartLike:
    """One row per provider (shipped ones first): the state it was in over the range in view,
    coloured by state (every state in the legend, in words), faults shaded."""
    providers = ordered(sorted({s["provider"] for s in spans}))
    rows = [
        {**s, "label": words(s["state"]), "when": clock_span(s["start_s"], s["end_s"])}
        for s in spans
    ]
    y = alt.Y("provider:N", title=None, sort=providers, axis=_y_axis(labelLimit=AXIS_PX))
    bars = (
        alt.Chart(_data(rows))
        .mark_bar()
        .encode(
            x=time_x(view),
            x2="end_s:Q",
            y=y,
            color=alt.Color(
                "label:N",
                scale=alt.Scale(domain=[words(k) for k in colours], range=list(colours.values())),
                legend=_legend(len(colours)),
            ),
            tooltip=[
                alt.Tooltip("provider:N", title="Provider"),
                alt.Tooltip("label:N", title=title),
                alt.Tooltip("when:N", title="When"),
            ],
        )
    )
    layers = [bars, *fault_bands(marks, view, labelled=False, outline=True)]
    return _sized(alt.LayerChart(layer=layers), ROW_PX * max(1, len(providers)))


def share_chart(rows: list[ShareRow], marks: list[Mark], view: View, names: list[str]) -> ChartLike:
    """Each bucket's payments split by the provider that made them, stacked to 100 %: the
    failover at a glance (one colour giving way to another, and back); faults shaded."""
    providers = ordered(names)
    bars = (
        alt.Chart(_data(rows))
        .mark_rect()
        .encode(
            x=time_x(view),
            x2="end_s:Q",
            y=alt.Y(
                "low_pct:Q",
                title=None,
                scale=alt.Scale(domain=[0, 100]),
                axis=_y_axis(values=[0, 50, 100], labelExpr="datum.value + ' %'"),
            ),
            y2="high_pct:Q",
            color=provider_colour(names=providers, legend=_legend(len(providers))),
            tooltip=[
                alt.Tooltip("provider:N", title="Provider"),
                alt.Tooltip("when:N", title="When"),
                alt.Tooltip("share_pct:Q", title="Share (%)", format=".0f"),
                alt.Tooltip("payments:Q", title="Payments"),
            ],
        )
    )
    band, *labels = fault_bands(marks, view)
    return _sized(alt.LayerChart(layer=[band, bars, *labels]), 150)


def line_chart(
    points: list[LinePoint],
    marks: list[Mark],
    view: View,
    names: list[str],
    field: Literal["success_pct", "latency_p99_ms"],
) -> ChartLike:
    """One line per provider over the range in view (its success rate in % or its latency
    p99 in ms per bucket), broken where the provider had no call; faults shaded."""
    providers = ordered(names)
    title, unit = ("Success rate", "%") if field == "success_pct" else ("Latency p99", "ms")
    line = (
        alt.Chart(_data(points))
        .mark_line(point=alt.OverlayMarkDef(size=18), invalid="break-paths-show-domains")
        .encode(
            x=time_x(view),
            y=alt.Y(
                f"{field}:Q",
                title=None,
                axis=_y_axis(tickCount=3, labelExpr=f"format(datum.value, ',') + ' {unit}'"),
                scale=alt.Scale(domain=[0, 100]) if field == "success_pct" else alt.Undefined,
            ),
            color=provider_colour(names=providers, legend=_legend(len(providers))),
            tooltip=[
                alt.Tooltip("provider:N", title="Provider"),
                alt.Tooltip("when:N", title="Bucket from"),
                alt.Tooltip(f"{field}:Q", title=f"{title} ({unit})", format=",.0f"),
                alt.Tooltip("attempts:Q", title="Calls"),
            ],
        )
    )
    return _sized(alt.LayerChart(layer=[*fault_bands(marks, view, labelled=False), line]), 120)


def reserves_chart(days: list[dict[str, Any]]) -> ChartLike:
    """Fiat reserve, tokens minted and in transit per simulated day, in USD."""
    rows = [
        {"day": d["day"], "series": label, "usd": d[key] / 100}
        for d in days
        for key, label in (
            ("fiat_minor", "fiat reserve"),
            ("minted_minor", "tokens minted"),
            ("in_transit_minor", "in transit"),
        )
    ]
    chart = (
        alt.Chart(_data(rows))
        .mark_line(point=True)
        .encode(
            x=alt.X("day:O", title="Simulated day"),
            y=alt.Y("usd:Q", title="Balance (USD)"),
            color=alt.Color("series:N", title="Balance"),
            tooltip=["day:O", "series:N", alt.Tooltip("usd:Q", format=",.2f")],
        )
    )
    return alt.LayerChart(layer=[chart]).properties(height=260)


def ratio_chart(days: list[dict[str, Any]]) -> ChartLike:
    """Reserve ratio per day in percent, with the 1:1 target ruled."""
    rows = [{"day": d["day"], "ratio_pct": d["ratio_bp"] / 100} for d in days]
    line = (
        alt.Chart(_data(rows))
        .mark_line(point=True)
        .encode(
            x=alt.X("day:O", title="Simulated day"),
            y=alt.Y("ratio_pct:Q", title="Reserve ratio (%)", scale=alt.Scale(zero=False)),
        )
    )
    target = alt.Chart(_data([{"ratio_pct": 100.0}])).mark_rule(strokeDash=[4, 3])
    return alt.LayerChart(layer=[target.encode(y="ratio_pct:Q"), line]).properties(height=200)


def failover_chart(failover: list[dict[str, Any]]) -> ChartLike:
    """Each fault as a bar from start to end per provider, with detection, failover and
    failback as points (simulated seconds)."""
    bars = [
        {
            "provider": f["provider"],
            "start_s": f["fault_start_s"],
            "end_s": f["fault_end_s"] if f.get("fault_end_s") is not None else f["fault_start_s"],
        }
        for f in failover
    ]
    events = [
        {"provider": f["provider"], "event": name, "t_s": f["fault_start_s"] + f[key]}
        for f in failover
        for name, key in (("detected", "time_to_detect_s"), ("failed over", "time_to_failover_s"))
        if f.get(key) is not None
    ] + [
        {
            "provider": f["provider"],
            "event": "failed back",
            "t_s": f["fault_end_s"] + f["time_to_failback_s"],
        }
        for f in failover
        if f.get("time_to_failback_s") is not None and f.get("fault_end_s") is not None
    ]
    y = alt.Y("provider:N", title="Provider")
    bar = (
        alt.Chart(_data(bars))
        .mark_bar(opacity=0.5, height=14)
        .encode(x=alt.X("start_s:Q", title=TIME_AXIS), x2="end_s:Q", y=y, color=provider_colour())
    )
    points = (
        alt.Chart(_data(events))
        .mark_point(filled=True, size=90, color="black")
        .encode(
            x="t_s:Q",
            y=y,
            shape=alt.Shape("event:N", title="Event"),
            tooltip=["provider:N", "event:N", "t_s:Q"],
        )
    )
    return alt.LayerChart(layer=[bar, points]).properties(height=160)

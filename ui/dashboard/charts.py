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
from ui.formatting import clock_span, money, percent, words

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


# (field, label, colour, dash) of each balance: tokens dashed, so a 1:1 overlap shows both.
RESERVE_SERIES: tuple[tuple[str, str, str, list[int]], ...] = (
    ("fiat_minor", "Fiat reserve", "#0072B2", []),
    ("minted_minor", "Tokens minted", "#E69F00", [6, 4]),
    ("in_transit_minor", "In transit", "#009E73", []),
)


def _day_x() -> alt.X:
    return alt.X(
        "date:T",
        title=None,
        timeUnit="yearmonthdate",
        axis=alt.Axis(format="%b %d", labelAngle=0, labelOverlap=True),
    )


def reserves_chart(days: list[dict[str, Any]]) -> ChartLike:
    """Fiat reserve, tokens minted and in transit at the close of each day (``date``: ISO),
    in the currency (``currency``); the axis in compact units (800k), tooltips exact."""
    currency = days[0]["currency"] if days else "USD"
    rows = [
        {
            "date": d["date"],
            "series": label,
            "amount": d[key] / 100,
            "shown": money(d[key], d["currency"]),
        }
        for d in days
        for key, label, _, _ in RESERVE_SERIES
    ]
    labels = [label for _, label, _, _ in RESERVE_SERIES]
    chart = (
        alt.Chart(_data(rows), title=f"Closing balances ({currency})")
        .mark_line(point=True)
        .encode(
            x=_day_x(),
            y=alt.Y("amount:Q", title=currency, axis=alt.Axis(format="~s")),
            color=alt.Color(
                "series:N",
                scale=alt.Scale(domain=labels, range=[c for _, _, c, _ in RESERVE_SERIES]),
                legend=_legend(len(labels)),
            ),
            strokeDash=alt.StrokeDash(
                "series:N",
                scale=alt.Scale(domain=labels, range=[d for _, _, _, d in RESERVE_SERIES]),
                legend=None,
            ),
            tooltip=[
                alt.Tooltip("date:T", title="Day", format="%b %d"),
                alt.Tooltip("series:N", title="Balance"),
                alt.Tooltip("shown:N", title="Amount"),
            ],
        )
    )
    return _sized(alt.LayerChart(layer=[chart]), 240)


def ratio_chart(days: list[dict[str, Any]]) -> ChartLike:
    """The reserve ratio at the close of each day in percent, with 1:1 (100 %) ruled and
    labelled; the scale keeps at least 99.5-100.5 % so a flat 100 % reads as flat."""
    rows = [
        {
            "date": d["date"],
            "ratio_pct": d["ratio_bp"] / 100,
            "shown": percent(d["ratio_bp"] / 1e4, 2),
        }
        for d in days
    ]
    values = [r["ratio_pct"] for r in rows] or [100.0]
    domain = [min(99.5, min(values) - 0.1), max(100.5, max(values) + 0.1)]
    line = (
        alt.Chart(_data(rows), title="Reserve ratio (%)")
        .mark_line(point=True, color="#0072B2")
        .encode(
            x=_day_x(),
            y=alt.Y(
                "ratio_pct:Q",
                title="%",
                scale=alt.Scale(domain=domain, zero=False, nice=False),
                axis=alt.Axis(format=".1f", tickCount=5),
            ),
            tooltip=[
                alt.Tooltip("date:T", title="Day", format="%b %d"),
                alt.Tooltip("shown:N", title="Reserve ratio"),
            ],
        )
    )
    last = rows[-1]["date"] if rows else None
    one = alt.Chart(_data([{"ratio_pct": 100.0, "label": "1:1", "date": last}]))
    rule = one.mark_rule(strokeDash=[4, 3], color="#555555").encode(y="ratio_pct:Q")
    label = one.mark_text(align="right", dy=-9, color="#555555").encode(
        y="ratio_pct:Q", x=_day_x(), text="label:N"
    )
    return _sized(alt.LayerChart(layer=[rule, label, line]), 240)


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

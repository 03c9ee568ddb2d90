"""The dashboard's Altair charts: axis titles carry units, providers keep their colours.

Charts take plain lists of dicts (no pandas): Altair embeds them as inline data.
"""

from __future__ import annotations

from typing import Any

import altair as alt

from ui.dashboard.palette import PROVIDERS, provider_colour
from ui.dashboard.timeline import Mark, Span

TIME_AXIS = "Simulated time (s)"
ChartLike = alt.Chart | alt.LayerChart


def _data(rows: list[Any]) -> dict[str, Any]:
    return {"values": rows}


def _edges(marks: list[Mark]) -> list[dict[str, Any]]:
    """Each fault's start and, once past, its end: one row per edge."""
    return [
        {"provider": m["provider"], "t_s": t, "edge": f"{m['label']} {edge}"}
        for m in marks
        for edge, t in (("start", m["start_s"]), ("end", m["end_s"]))
        if t is not None
    ]


def state_chart(
    spans: list[Span], marks: list[Mark], title: str, colours: dict[str, str]
) -> ChartLike:
    """One row per provider: the state it was in over simulated time (``colours`` by state),
    with each fault's start and end ticked on its provider's row."""
    y = alt.Y("provider:N", title="Provider", sort=list(PROVIDERS))
    bars = (
        alt.Chart(_data(spans))
        .mark_bar(height=18)
        .encode(
            x=alt.X("start_s:Q", title=TIME_AXIS),
            x2="end_s:Q",
            y=y,
            color=alt.Color(
                "state:N",
                title=title,
                scale=alt.Scale(domain=list(colours), range=list(colours.values())),
            ),
            tooltip=["provider:N", "state:N", "start_s:Q", "end_s:Q"],
        )
    )
    edges = _edges(marks)
    ticks = (
        alt.Chart(_data(edges))
        .mark_tick(color="black", thickness=3, size=26)
        .encode(x="t_s:Q", y=y, tooltip=["provider:N", "edge:N", "t_s:Q"])
    )
    return alt.LayerChart(layer=[bars, ticks]).properties(height=140, title=title)


def traffic_chart(
    buckets: list[dict[str, Any]], marks: list[Mark], field: str, title: str, bucket_s: float
) -> ChartLike:
    """One line per provider over simulated time (``field`` of each bucket, titled with
    its unit), fault starts and ends as dashed rules in the provider's colour."""
    line = (
        alt.Chart(_data(buckets))
        .mark_line(point=True)
        .encode(
            x=alt.X("start_s:Q", title=f"{TIME_AXIS}, {bucket_s:g} s buckets"),
            y=alt.Y(f"{field}:Q", title=title),
            color=provider_colour(),
            tooltip=["provider:N", "start_s:Q", f"{field}:Q", "attempts:Q"],
        )
    )
    edges = _edges(marks)
    rules = (
        alt.Chart(_data(edges))
        .mark_rule(strokeDash=[4, 3], strokeWidth=2)
        .encode(x="t_s:Q", color=provider_colour(), tooltip=["provider:N", "edge:N", "t_s:Q"])
    )
    return alt.LayerChart(layer=[line, rules]).properties(height=200, title=title)


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

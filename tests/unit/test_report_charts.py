"""The report's charts as Vega-Lite specs: the time axis gives the story the width and
compresses the drain, one band per fault on every chart, one labelled row per fault, a
failover panel per fault in the report's finest buckets, provider colours as on the
dashboards."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.unit.reports import small_report
from ui.dashboard.palette import COLOURS
from ui.formatting import RANGE_DASH as DASH
from ui.report import charts
from ui.report.story import (
    DRAIN_SHARE,
    TimeAxis,
    fault_window,
    faults_of,
    resample,
    story_buckets,
    time_axis,
)

NAMES = ["tempo", "circle", "stripe", "acme", "zeta"]


@pytest.fixture
def report() -> dict[str, Any]:
    return small_report()


def views(spec: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every unit view of a spec, at any depth of layers and concatenations."""
    for key in ("layer", "vconcat", "hconcat"):
        for child in spec.get(key, []):
            yield from views(child)
    if "mark" in spec:
        yield spec


def named(spec: dict[str, Any], name: str) -> list[dict[str, Any]]:
    """The views named ``name`` (Altair numbers a name used again: ``fault-bands_1``)."""
    return [
        v for v in views(spec) if re.fullmatch(rf"{re.escape(name)}(_\d+)?", str(v.get("name", "")))
    ]


def values(view: dict[str, Any], spec: dict[str, Any]) -> list[dict[str, Any]]:
    """The rows of a view: inline, or in the top level's datasets (Altair moves them)."""
    data = view.get("data", {})
    if "values" in data:
        return list(data["values"])
    return list(spec["datasets"][data["name"]])


def timeline_spec(report: dict[str, Any]) -> tuple[dict[str, Any], TimeAxis]:
    faults = faults_of(report)
    axis = time_axis(report, faults)
    chart = charts.timeline(story_buckets(report, axis), axis, faults, NAMES)
    return chart.to_dict(), axis


def test_the_story_takes_most_of_the_width_and_the_drain_is_compressed(
    report: dict[str, Any],
) -> None:
    spec, axis = timeline_spec(report)
    # The load ends at 59 s, the last fault at 70 s; the run at 600 s.
    assert axis.story_end_s == pytest.approx(70 * 1.03)
    assert axis.compressed and axis.drain == (axis.story_end_s, 600.0)
    for view in views(spec):
        scale = view["encoding"]["x"]["scale"]
        assert scale["domain"] == [0.0, axis.story_end_s, 600.0]
        assert scale["range"] == [0.0, charts.WIDTH * (1 - DRAIN_SHARE), charts.WIDTH]
    ticks = next(views(spec))["encoding"]["x"]["axis"]["values"]
    assert ticks[-1] == 600 and all(t <= axis.story_end_s for t in ticks[:-1])


def test_a_run_whose_story_is_its_whole_length_keeps_a_linear_axis(
    report: dict[str, Any],
) -> None:
    report["simulated_s"] = 80.0
    report["series"]["rows"] = [r for r in report["series"]["rows"] if r["t"] < 80]
    _, axis = timeline_spec(report)
    assert not axis.compressed
    assert axis.domain == [0.0, 80.0] and axis.pixels(500) == [0.0, 500.0]


def test_every_panel_shades_each_fault_once_and_marks_the_drain(report: dict[str, Any]) -> None:
    spec, axis = timeline_spec(report)
    bands = named(spec, "fault-bands")
    assert len(bands) == 4  # throughput, success rate, latency, share
    for band in bands:
        spans = [(r["start_s"], r["end_s"]) for r in values(band, spec)]
        assert spans == [(10.0, 20.0), (15.0, 25.0), (30.0, 70.0)]
    # Over the opaque share bars, the faults are outlined instead.
    [outlines] = named(spec, "fault-outlines")
    assert len(values(outlines, spec)) == 3
    drains = named(spec, "drain")
    assert len(drains) == 4  # every panel; the fault lane has a row of its own for it
    assert all(values(d, spec)[0]["start_s"] == axis.story_end_s for d in drains)


def test_each_fault_has_a_labelled_row_of_its_own(report: dict[str, Any]) -> None:
    spec, _ = timeline_spec(report)
    [lane] = named(spec, "fault-lane")
    rows = values(lane, spec)
    lanes = [r["lane"] for r in rows]
    assert lanes == ["tempo outage", "custodian feed delay", "circle rate limit",
                     "drain (compressed)"]  # fmt: skip
    assert len(set(lanes)) == len(lanes)  # no two labels on one row
    assert lane["encoding"]["y"]["sort"] == lanes
    spans = [r["text"] for side in ("left", "right")
             for r in values(named(spec, f"fault-lane-spans-{side}")[0], spec)]  # fmt: skip
    assert f"00:10{DASH}00:20" in spans and f"00:30{DASH}01:10" in spans
    colours = {r["lane"]: r["colour"] for r in rows}
    assert colours["tempo outage"] == COLOURS["tempo"]
    assert colours["circle rate limit"] == COLOURS["circle"]


def test_the_same_fault_twice_gets_two_numbered_rows(report: dict[str, Any]) -> None:
    report["faults"].append({"target": "tempo", "kind": "outage", "start_s": 40.0, "end_s": 45.0})
    spec, _ = timeline_spec(report)
    lanes = [r["lane"] for r in values(named(spec, "fault-lane")[0], spec)]
    assert "tempo outage (1)" in lanes and "tempo outage (4)" in lanes


def test_provider_share_uses_the_dashboards_colours(report: dict[str, Any]) -> None:
    spec, _ = timeline_spec(report)
    [share] = named(spec, "share")
    scale = share["encoding"]["color"]["scale"]
    mapping = dict(zip(scale["domain"], scale["range"], strict=True))
    for name, colour in COLOURS.items():
        assert mapping[name] == colour
    assert mapping["acme"] != mapping["zeta"]
    rows = values(share, spec)
    by_bucket: dict[float, float] = {}
    for row in rows:
        by_bucket[row["start_s"]] = by_bucket.get(row["start_s"], 0.0) + row["share_pct"]
    assert all(total == pytest.approx(100.0, abs=0.05) for total in by_bucket.values())


def test_the_drain_is_drawn_in_coarser_buckets_than_the_story() -> None:
    report = small_report()
    faults = faults_of(report)
    axis = time_axis(report, faults)
    buckets = story_buckets(report, axis)
    story = [b for b in buckets if b.end_s <= axis.story_end_s]
    drain = [b for b in buckets if b.start_s >= axis.story_end_s]
    assert {b.length_s for b in story} == {1.0}
    assert len(drain) <= 40 and drain[0].length_s > 1.0
    assert sum(b.failed for b in buckets) == sum(r["failed"] for r in report["series"]["rows"])


def test_merged_buckets_keep_counts_and_the_highest_p99() -> None:
    report = small_report()
    buckets = story_buckets(report, TimeAxis(story_end_s=60.0, end_s=60.0))
    merged = resample(buckets, 6)
    assert [b.length_s for b in merged] == [10.0] * 6
    assert sum(b.paid for b in merged) == sum(b.paid for b in buckets)
    assert merged[1].share == {"circle": 20, "stripe": 10}
    assert merged[0].p99_ms == 400.0 and merged[0].p50_ms == 200.0


def test_a_failover_panel_shows_its_fault_in_the_finest_buckets(report: dict[str, Any]) -> None:
    faults = faults_of(report)
    window = fault_window(report, faults[0])
    assert (window.since_s, window.until_s) == (0.0, 30.0)  # 10 s before and after
    assert {b.length_s for b in window.buckets} == {1.0}
    spec = charts.failover_panel(window, report["failover"][0], NAMES).to_dict()
    for view in views(spec):
        assert view["encoding"]["x"]["scale"]["domain"] == [0.0, 30.0]
    bands = named(spec, "fault-bands")
    assert all([(r["start_s"], r["end_s"]) for r in values(b, spec)] == [(10.0, 20.0)]
               for b in bands)  # fmt: skip
    events = {r["event"]: r["at_s"] for r in values(named(spec, "events")[0], spec)}
    assert events == {
        "detected 0.041 s after the start": pytest.approx(10.041),
        "failed over 0.38 s after the start": pytest.approx(10.381696),
        "failed back 60.4 s after the end": pytest.approx(80.420322),
    }
    shares = values(named(spec, "share")[0], spec)
    during = {r["provider"] for r in shares if 10 <= r["start_s"] < 20}
    assert during == {"circle", "stripe"}


def test_a_missing_failover_figure_draws_no_event(report: dict[str, Any]) -> None:
    faults = faults_of(report)
    window = fault_window(report, faults[2])
    spec = charts.failover_panel(window, report["failover"][1], NAMES).to_dict()
    events = [r["event"] for r in values(named(spec, "events")[0], spec)]
    assert events == ["detected 1.99 s after the start"]


def test_reserve_amounts_are_in_the_currency_on_a_compact_axis(report: dict[str, Any]) -> None:
    faults = faults_of(report)
    axis = time_axis(report, faults)
    chart = charts.reserve_chart(report["reserve_history"], axis, faults, NAMES, "USD")
    spec = chart.to_dict()
    [amounts] = named(spec, "reserve")
    assert amounts["encoding"]["y"]["title"] == "USD"
    assert amounts["encoding"]["y"]["axis"]["labelExpr"] == charts.COMPACT
    assert [r["amount"] for r in values(amounts, spec)][:2] == [100.0, 100.0]

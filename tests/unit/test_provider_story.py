"""The Provider Health Monitor's pure parts: the range in view and its buckets, who took the
payments, a card's figures and reasons, what Restore acts on, and the charts' specs (one
row per provider, every legend entry, faults as labelled bands, the clock on the axis)."""

from __future__ import annotations

from typing import Any

import pytest

from ui.dashboard.charts import ROW_PX, clock_ticks, line_chart, share_chart, state_chart
from ui.dashboard.models import Fault, ProviderChange, ProviderHealth, TrafficBucket
from ui.dashboard.palette import BREAKER_COLOURS, colour
from ui.dashboard.timeline import Mark, Span, clip, needs_restore, status_line, why
from ui.dashboard.traffic import (
    line_points,
    minute_trend,
    payment_shares,
    view_for,
    windows,
)


def bucket(provider: str, start_s: float, attempts: int, succeeded: int) -> TrafficBucket:
    return TrafficBucket(provider=provider, start_s=start_s, attempts=attempts,
                         succeeded=succeeded, success_rate=succeeded / attempts,
                         latency_p50_ms=100.0, latency_p99_ms=300.0)  # fmt: skip


def health(provider: str, status: str = "healthy", breaker: str = "closed") -> ProviderHealth:
    return ProviderHealth(provider=provider, status=status, breaker=breaker,
                          attempts_last_minute=0, success_rate=None, latency_p50_ms=None,
                          latency_p99_ms=None, last_change_s=None, last_change_at=None)  # fmt: skip


def change(at_s: float, provider: str, kind: str, state: str, previous: str, reason: str,
           status: str, breaker: str) -> ProviderChange:  # fmt: skip
    return ProviderChange(at_s=at_s, provider=provider, source="replica", kind=kind,
                          state=state, previous=previous, reason=reason,
                          provider_status=status, provider_breaker=breaker)  # fmt: skip


def fault(target: str, start_s: float, end_s: float | None, origin: str = "api") -> Fault:
    state = "active" if end_s is None else "ended"
    return Fault(origin=origin, target=target, kind="outage", start_s=start_s, end_s=end_s,
                 state=state)  # fmt: skip


# ---- the range in view ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "now_s", "since_s", "bucket_s"),
    [
        ("Last 5 min", 4_000.0, 3_700.0, 5.0),
        ("Last 30 min", 7_200.0, 5_400.0, 5.0),
        ("Whole run", 120.0, 0.0, 5.0),
        ("Whole run", 3_500.0, 0.0, 5.0),
        ("Whole run", 7_190.0, 0.0, 10.0),  # 719 buckets of 10 s and the one filling
        ("Whole run", 7_200.0, 0.0, 15.0),  # 721 of 10 s would be one too many
        ("Whole run", 86_000.0, 0.0, 120.0),
        ("Last 5 min", 100.0, 0.0, 5.0),  # a run younger than the range
    ],
)
def test_the_range_in_view_has_the_finest_bucket_the_api_answers(
    label: str, now_s: float, since_s: float, bucket_s: float
) -> None:
    view = view_for(label, now_s)
    assert (view.since_s, view.bucket_s) == (since_s, bucket_s)
    assert (view.until_s - view.since_s) / view.bucket_s <= 720


def test_the_last_five_minutes_show_a_sixty_second_fault_as_a_dozen_buckets_at_any_run_length(
) -> None:  # fmt: skip
    for now_s in (300.0, 3_600.0, 36_000.0, 360_000.0):
        assert 60 / view_for("Last 5 min", now_s).bucket_s >= 12


def test_an_unknown_range_is_the_default_one() -> None:
    assert view_for("last week", 400.0).label == "Last 5 min"


# ---- who took the payments -----------------------------------------------------------


def test_each_buckets_payments_stack_to_one_hundred_percent_in_provider_order() -> None:
    buckets = [bucket("circle", 0.0, 3, 3), bucket("tempo", 0.0, 2, 1),
               bucket("tempo", 5.0, 4, 0), bucket("circle", 10.0, 2, 2)]  # fmt: skip
    rows = payment_shares(buckets, 5.0, ["tempo", "circle", "stripe"])
    first = [(r["provider"], r["share_pct"], r["low_pct"], r["high_pct"]) for r in rows
             if r["start_s"] == 0.0]  # fmt: skip
    assert first == [("tempo", 25.0, 0.0, 25.0), ("circle", 75.0, 25.0, 100.0)]
    assert [r["start_s"] for r in rows if r["start_s"] == 5.0] == []  # no payment: blank
    assert [(r["provider"], r["share_pct"], r["when"]) for r in rows if r["start_s"] == 10.0] == [
        ("circle", 100.0, "00:10\u201300:15")
    ]


def test_a_card_sums_its_providers_buckets_over_the_range() -> None:
    buckets = [bucket("tempo", 0.0, 10, 9), bucket("tempo", 5.0, 10, 0),
               bucket("circle", 5.0, 9, 9)]  # fmt: skip
    got = windows(buckets, ["tempo", "circle", "stripe"])
    assert (got["tempo"].attempts, got["tempo"].success_rate) == (20, 0.45)
    assert got["tempo"].payment_share == pytest.approx(0.5)
    assert got["circle"].payment_share == pytest.approx(0.5)
    assert (got["stripe"].attempts, got["stripe"].success_rate) == (0, None)


def test_payments_per_minute_count_the_minute_before_each_whole_bucket() -> None:
    buckets = [bucket("tempo", float(t), 2, 2) for t in range(0, 120, 10)]
    trend = minute_trend(buckets, 10.0, now_s=125.0, since_s=0.0)
    # from the first whole bucket of the run on, then whole minutes; the bucket at 120 s is
    # filling
    assert trend["payments_per_min"] == [12.0] * 12
    assert trend["success_rate"] == [1.0] * 12
    later = minute_trend(buckets, 10.0, now_s=125.0, since_s=30.0)
    assert len(later["payments_per_min"]) == 4  # no window reaches before what was read


# ---- a card: since when and why ------------------------------------------------------


def test_a_provider_down_by_a_fault_says_why_and_that_its_breaker_has_nothing_to_count() -> None:
    changes = [change(245.0, "tempo", "health", "down", "healthy", "probe failed", "down",
                      "closed")]  # fmt: skip
    now = health("tempo", "down", "closed")
    reasons = why(now, changes, [fault("tempo", 240.0, None, origin="scenario")], 300.0)
    assert reasons["since_s"] == 245.0
    assert reasons["causes"] == [
        "health check: probe failed",
        "outage fault scheduled at 04:00, until restored",
    ]
    assert reasons["breaker"] is not None and "health routing" in reasons["breaker"]
    assert status_line(now, reasons, 300.0) == "down for 55 s (since 04:05)"


def test_an_open_breaker_says_what_tripped_it_and_a_healthy_provider_has_no_cause() -> None:
    changes = [change(50.0, "circle", "breaker", "open", "closed",
                      "5 failures within 30s (timeout)", "healthy", "open")]  # fmt: skip
    reasons = why(health("circle", "healthy", "open"), changes, [], 80.0)
    assert reasons["causes"] == []
    assert reasons["breaker"] == "breaker open since 00:50: 5 failures within 30s (timeout)"
    quiet = why(health("stripe"), [], [fault("stripe", 10.0, 20.0)], 80.0)  # over
    assert quiet == {"since_s": None, "causes": [], "breaker": None}
    assert status_line(health("stripe"), quiet, 80.0) == "healthy all run"


def test_restore_acts_on_providers_that_are_down_or_have_a_fault_now() -> None:
    now = [health("tempo", "down"), health("circle"), health("stripe")]
    assert needs_restore(now, [], 100.0) == ["tempo"]
    assert needs_restore(now, [fault("stripe", 90.0, None)], 100.0) == ["tempo", "stripe"]
    calm = [health("tempo"), health("circle"), health("stripe")]
    assert needs_restore(calm, [fault("circle", 10.0, 20.0)], 100.0) == []


def test_spans_seen_from_the_start_of_the_range_are_cut_there() -> None:
    spans = [Span(provider="tempo", state="healthy", start_s=0.0, end_s=240.0),
             Span(provider="tempo", state="down", start_s=240.0, end_s=330.0)]  # fmt: skip
    assert [(s["state"], s["start_s"]) for s in clip(spans, 300.0)] == [("down", 300.0)]


# ---- the charts ----------------------------------------------------------------------


def layers(chart: Any) -> list[dict[str, Any]]:
    spec: dict[str, Any] = chart.to_dict()
    return list(spec["layer"])


def test_a_state_timeline_has_one_labelled_row_per_provider_at_sixteen_providers() -> None:
    names = ["tempo", "circle", "stripe"] + [f"rail{n:02d}" for n in range(13)]
    spans = [Span(provider=n, state="half_open", start_s=0.0, end_s=60.0) for n in names]
    view = view_for("Last 5 min", 60.0)
    chart = state_chart(spans, [], view, BREAKER_COLOURS, "Breaker")
    spec = chart.to_dict()
    bars = spec["layer"][0]["encoding"]
    assert bars["y"]["field"] == "provider" and bars["y"]["sort"] == names  # shipped first
    assert spec["height"] == ROW_PX * 16
    assert spec["autosize"]["type"] == "fit-x"  # the height is the plot's, not squeezed
    legend = bars["color"]["legend"]
    assert legend["symbolLimit"] == 0 and legend["labelLimit"] == 0  # no entry cut
    assert bars["color"]["scale"]["domain"] == [
        "closed", "half open", "open", "forced open", "disabled"
    ]  # fmt: skip
    assert {row["label"] for row in spec["datasets"][spec["layer"][0]["data"]["name"]]} == {
        "half open"
    }
    assert len({colour(n, names) for n in names}) == 16  # every provider its own colour


def test_the_failover_charts_shade_each_fault_and_label_it() -> None:
    view = view_for("Last 5 min", 400.0)
    marks = [Mark(provider="tempo", label="tempo outage (scheduled)", start_s=240.0,
                  end_s=330.0)]  # fmt: skip
    buckets = [bucket("tempo", 230.0, 2, 2), bucket("circle", 250.0, 2, 2)]
    shares = payment_shares(buckets, 5.0, ["tempo", "circle"])
    spec = share_chart(shares, marks, view, ["tempo", "circle", "stripe"]).to_dict()
    kinds = [layer["mark"]["type"] for layer in spec["layer"]]
    assert kinds[:2] == ["rect", "rect"] and "text" in kinds  # band under the bars, label
    data = spec["datasets"]
    labels = [row for layer in spec["layer"] if layer["mark"]["type"] == "text"
              for row in data[layer["data"]["name"]]]  # fmt: skip
    assert [(r["label"], r["when"]) for r in labels] == [
        ("tempo outage (scheduled)", "04:00\u201305:30")
    ]
    x = spec["layer"][1]["encoding"]["x"]
    assert x["scale"]["domain"] == [view.since_s, view.now_s]
    assert "pad(" in x["axis"]["labelExpr"]  # the clock, mm:ss
    lines = line_chart(line_points(buckets, 5.0), marks, view, ["tempo"], "success_pct")
    assert [layer["mark"]["type"] for layer in layers(lines)] == ["rect", "line"]


def test_time_ticks_fall_on_whole_clock_steps() -> None:
    assert clock_ticks(100.0, 400.0) == [120.0, 150.0, 180.0, 210.0, 240.0, 270.0, 300.0,
                                         330.0, 360.0, 390.0]  # fmt: skip
    assert clock_ticks(0.0, 3_600.0) == [float(t) for t in range(0, 3_601, 600)]

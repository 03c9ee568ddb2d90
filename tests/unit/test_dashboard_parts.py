"""The dashboard's pure parts: state spans and fault marks from the API's timeline and
faults, system health, a figure's text, the countdown's starting point, traffic points with gaps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from ui.dashboard.countdown import countdown_html, remaining_ms
from ui.dashboard.models import TrafficBucket
from ui.dashboard.timeline import fault_marks, state_spans, system_health_pct
from ui.dashboard.traffic import line_points


def health(provider: str, status: str) -> Any:
    return {"provider": provider, "status": status, "breaker": "closed", "success_rate": 1.0,
            "latency_p99_ms": 80.0}  # fmt: skip


def change(
    at_s: float, provider: str, kind: str, state: str, previous: str, status: str, breaker: str
) -> Any:
    return {"at_s": at_s, "provider": provider, "source": "shard-0", "kind": kind,
            "state": state, "previous": previous, "reason": None, "provider_status": status,
            "provider_breaker": breaker}  # fmt: skip


def test_a_providers_states_span_the_run_from_its_starting_state_to_now() -> None:
    changes = [change(10, "tempo", "health", "down", "healthy", "down", "closed"),
               change(12, "tempo", "breaker", "open", "closed", "down", "open"),
               change(30, "tempo", "health", "healthy", "down", "healthy", "open")]  # fmt: skip
    now = [health("tempo", "healthy"), health("circle", "degraded")]
    status = [(s["provider"], s["state"], s["start_s"], s["end_s"])
              for s in state_spans(changes, now, 50.0, "provider_status")]  # fmt: skip
    assert status == [("circle", "degraded", 0.0, 50.0), ("tempo", "healthy", 0.0, 10),
                      ("tempo", "down", 10, 30), ("tempo", "healthy", 30, 50.0)]  # fmt: skip
    breaker = [(s["state"], s["start_s"], s["end_s"])
               for s in state_spans(changes, now, 50.0, "provider_breaker")
               if s["provider"] == "tempo"]  # fmt: skip
    assert breaker == [("closed", 0.0, 12), ("open", 12, 50.0)]


def test_faults_that_started_are_marked_with_their_end_once_it_is_past() -> None:
    faults: Any = [
        {"origin": "scenario", "target": "tempo", "kind": "outage", "start_s": 10.0,
         "end_s": 40.0, "state": "active"},
        {"origin": "api", "target": "circle", "kind": "latency", "start_s": 5.0, "end_s": 8.0,
         "state": "ended"},
        {"origin": "scenario", "target": "custodian", "kind": "feed_delay", "start_s": 1.0,
         "end_s": None, "state": "active"},
        {"origin": "scenario", "target": "tempo", "kind": "silent", "start_s": 90.0,
         "end_s": None, "state": "scheduled"},
    ]  # fmt: skip
    marks = fault_marks(faults, ["tempo", "circle"], 20.0)
    assert [(m["provider"], m["label"], m["start_s"], m["end_s"]) for m in marks] == [
        ("tempo", "tempo outage (scheduled)", 10.0, None),
        ("circle", "circle latency (injected)", 5.0, 8.0),
    ]


def test_system_health_counts_degraded_as_half() -> None:
    assert system_health_pct([health("a", "healthy"), health("b", "degraded")]) == 75.0
    assert system_health_pct([]) is None


def test_the_countdown_starts_from_the_time_left_on_the_servers_clock() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    expires = (now + timedelta(seconds=125)).isoformat()
    assert remaining_ms(expires, now) == 125_000
    page = countdown_html(expires, now)
    assert 'data-seconds-left="125"' in page and ">2:05<" in page
    assert remaining_ms((now - timedelta(seconds=5)).isoformat(), now) == 0


def test_a_provider_without_traffic_in_a_bucket_gets_an_empty_point_so_its_line_breaks() -> None:
    def bucket(provider: str, start_s: float, rate: float) -> TrafficBucket:
        return TrafficBucket(provider=provider, start_s=start_s, attempts=4, succeeded=2,
                             success_rate=rate, latency_p50_ms=5.0, latency_p99_ms=9.4)  # fmt: skip

    rows = line_points(
        [bucket("tempo", 0.0, 1.0), bucket("circle", 10.0, 0.5), bucket("tempo", 15.0, 0.25)],
        bucket_s=5.0,
    )
    tempo = [(r["start_s"], r["success_pct"]) for r in rows if r["provider"] == "tempo"]
    assert tempo == [(0.0, 100.0), (5.0, None), (10.0, None), (15.0, 25.0)]
    circle = [(r["start_s"], r["success_pct"]) for r in rows if r["provider"] == "circle"]
    assert circle == [(10.0, 50.0), (15.0, None)]  # nothing before its first bucket
    assert {r["latency_p99_ms"] for r in rows} == {9, None}  # whole milliseconds
    assert line_points([], 5.0) == []

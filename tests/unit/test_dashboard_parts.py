"""The dashboard's pure parts: fault marks from health samples, system health, comparison,
the countdown's starting point."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from ui.dashboard.compare import compare_reports
from ui.dashboard.countdown import countdown_html, remaining_ms
from ui.dashboard.timeline import Sample, add_samples, down_intervals, system_health_pct


def health(provider: str, status: str) -> Any:
    return {"provider": provider, "status": status, "breaker": "closed", "success_rate": 1.0,
            "latency_p99_ms": 80.0}  # fmt: skip


def sample(t_s: float, provider: str, status: str) -> Sample:
    return Sample(t_s=t_s, provider=provider, status=status, breaker=None, success_pct=None,
                  latency_p99_ms=None)  # fmt: skip


def test_a_down_stretch_is_marked_from_the_first_sample_down_to_the_first_up_again() -> None:
    samples = [sample(t, "tempo", s) for t, s in
               ((0, "healthy"), (2, "down"), (4, "down"), (6, "healthy"), (8, "down"))]  # fmt: skip
    marks = down_intervals(samples)
    assert [(m["start_s"], m["end_s"]) for m in marks] == [(2, 6), (8, None)]


def test_samples_restart_with_a_new_run_and_skip_a_clock_that_did_not_move() -> None:
    seen: dict[str, Any] = {}
    samples = add_samples([], "r1", seen, 1.0, [health("tempo", "healthy")])
    samples = add_samples(samples, "r1", seen, 1.0, [health("tempo", "down")])
    assert len(samples) == 1
    samples = add_samples(samples, "r2", seen, 0.5, [health("tempo", "down")])
    assert [(s["t_s"], s["status"]) for s in samples] == [(0.5, "down")]


def test_system_health_counts_degraded_as_half() -> None:
    assert system_health_pct([health("a", "healthy"), health("b", "degraded")]) == 75.0
    assert system_health_pct([]) is None


def test_two_reports_compare_figure_by_figure_with_failover_times_matched_by_fault() -> None:
    fault = {"provider": "tempo", "fault_start_s": 240.0, "time_to_failover_s": 1.5}
    a = {"invoices": {"created": 10}, "double_pays": 0, "failover": [fault], "digest": "x"}
    b = {"invoices": {"created": 12}, "double_pays": 0,
         "failover": [dict(fault, time_to_failover_s=2.0)], "digest": "x"}  # fmt: skip
    rows = {r["figure"]: r for r in compare_reports(a, b)}
    assert rows["invoices created"]["b - a"] == "2"
    assert rows["tempo fault at 240 s: time_to_failover_s"]["b - a"] == "0.5"
    assert rows["same digest"]["b - a"] == "yes"


def test_the_countdown_starts_from_the_time_left_on_the_servers_clock() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    expires = (now + timedelta(seconds=125)).isoformat()
    assert remaining_ms(expires, now) == 125_000
    page = countdown_html(expires, now)
    assert 'data-seconds-left="125"' in page and ">2:05<" in page
    assert remaining_ms((now - timedelta(seconds=5)).isoformat(), now) == 0
